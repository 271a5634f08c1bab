"""Arabic text primitives shared by the stages: matching form, chrome, sentences, matcher."""
