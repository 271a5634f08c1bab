"""The analysis stages: plain functions over the records, no transport inside.

Each module has one public function; :mod:`streams.stages.pipeline` chains them.
"""
