"""Structural checks of the deployment files (Dockerfile, compose, Kubernetes).

These tests only read files; they need neither Docker nor a cluster.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from streams.settings import Settings, unknown_variables
from streams.stages.spec import STAGE_NAMES
from streams.stages.spec import STAGES as SPECS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
K8S = ROOT / "deploy" / "k8s"

STAGES = STAGE_NAMES
INPUT_TOPIC = {name: spec.source for name, spec in SPECS.items()}
WEB_PORT = 6066


# --------------------------------------------------------------------------- helpers


def _as_list(command) -> list[str]:
    if command is None:
        return []
    if isinstance(command, str):
        return shlex.split(command)
    return [str(c) for c in command]


def _env_dict(env) -> dict[str, str]:
    if env is None:
        return {}
    if isinstance(env, dict):
        return {k: ("" if v is None else str(v)) for k, v in env.items()}
    out = {}
    for item in env:
        key, _, value = str(item).partition("=")
        out[key] = value
    return out


@pytest.fixture(scope="module")
def compose() -> dict:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def k8s_docs() -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path, doc))
    assert docs, "no Kubernetes manifests found"
    return docs


def _kind(k8s_docs, kind):
    return [doc for _, doc in k8s_docs if doc.get("kind") == kind]


@pytest.fixture(scope="module")
def configmap(k8s_docs) -> dict:
    cms = [d for d in _kind(k8s_docs, "ConfigMap") if d["metadata"]["name"] == "marsad-config"]
    assert len(cms) == 1
    return cms[0]["data"]


@pytest.fixture(scope="module")
def deployments(k8s_docs) -> dict[str, dict]:
    out = {}
    for doc in _kind(k8s_docs, "Deployment"):
        container = doc["spec"]["template"]["spec"]["containers"][0]
        args = _as_list(container.get("command")) + _as_list(container.get("args"))
        stage = args[args.index("--stage") + 1]
        assert stage not in out, f"two Deployments for stage {stage}"
        out[stage] = doc
    return out


@pytest.fixture(scope="module")
def scaledobjects(k8s_docs) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in _kind(k8s_docs, "ScaledObject")}


# --------------------------------------------------------------------------- Dockerfile


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)  # join continuation lines
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        out.append((op.upper(), rest.strip()))
    return out


def test_dockerfile_base_and_install():
    ins = _dockerfile_instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    runs = " && ".join(rest for op, rest in ins if op == "RUN")
    assert re.search(r"pip install --no-cache-dir \.(\s|$)", runs)
    # a plain install must be complete: nothing installed around the package's own dependencies
    assert "--no-deps" not in runs.split()
    copies = " ".join(rest for op, rest in ins if op == "COPY")
    for needed in ("pyproject.toml", "setup.py", "README.md", "models/", "streams/"):
        assert needed in copies
    # the analysis compiles (setup.py) with a C compiler that the same step removes again
    assert re.search(r"apt-get install [^&]*\bgcc\b.*pip install --no-cache-dir \..*apt-get purge [^&]*\bgcc\b", runs)


def test_dockerfile_runs_as_non_root():
    ins = _dockerfile_instructions()
    users = [rest for op, rest in ins if op == "USER"]
    assert users, "no USER instruction"
    final_user = users[-1].split(":")[0]
    assert final_user not in ("root", "0")
    # The USER switch must come after all RUN steps (which may need root).
    last_user = max(i for i, (op, _) in enumerate(ins) if op == "USER")
    last_run = max(i for i, (op, _) in enumerate(ins) if op == "RUN")
    assert last_user > last_run


def test_dockerfile_entrypoint_cmd_env_healthcheck():
    ins = dict()
    for op, rest in _dockerfile_instructions():
        ins.setdefault(op, []).append(rest)
    assert yaml.safe_load(ins["ENTRYPOINT"][-1]) == ["marsad"]
    assert yaml.safe_load(ins["CMD"][-1]) == ["worker", "--stage", "all"]
    assert any("MARSAD_WEB_HOST=0.0.0.0" in e for e in ins["ENV"])
    assert str(WEB_PORT) in ins["EXPOSE"][-1].split()
    health = ins["HEALTHCHECK"][-1]
    assert "urllib" in health and "/healthz" in health
    assert "curl" not in health


def test_dockerignore_keeps_build_inputs():
    lines = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert ".git" in lines and ".venv" in lines
    for needed in ("pyproject.toml", "setup.py", "README.md", "models", "streams", "*.md", "*"):
        assert needed not in lines
    assert "**/*.so" in lines  # an editable install's compiled files stay out of the image


# --------------------------------------------------------------------------- compose


def test_compose_has_no_version_key(compose):
    assert "version" not in compose


def test_compose_kafka_kraft(services):
    kafka = services["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    env = _env_dict(kafka["environment"])
    roles = {r.strip() for r in env["KAFKA_PROCESS_ROLES"].split(",")}
    assert roles == {"broker", "controller"}
    node_id = env["KAFKA_NODE_ID"]
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert re.fullmatch(rf"{node_id}@kafka:(\d+)", voters)
    controller_port = voters.rsplit(":", 1)[1]
    listeners = env["KAFKA_LISTENERS"]
    assert f"CONTROLLER://:{controller_port}" in listeners
    assert "PLAINTEXT://:9092" in listeners
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    protocol_map = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    for name in re.findall(r"([A-Z_]+)://", listeners):
        assert name in protocol_map
    assert env.get("CLUSTER_ID")
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    health = " ".join(_as_list(kafka["healthcheck"]["test"]))
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in health


def test_compose_topics_job(services):
    topics = services["topics"]
    cmd = _as_list(topics["command"])
    assert cmd[:2] == ["topics", "create"]
    assert cmd[cmd.index("--partitions") + 1] == "6"
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert topics.get("restart", "no") == "no"
    assert _env_dict(topics["environment"])["MARSAD_BROKER"] == "kafka://kafka:9092"


@pytest.mark.parametrize("stage", STAGES)
def test_compose_stage_service(services, stage):
    svc = services[stage]
    assert _as_list(svc["command"]) == ["worker", "--stage", stage]
    assert "build" in svc
    assert "ports" not in svc, "stage services must not bind host ports (breaks --scale)"
    assert "container_name" not in svc, "container_name breaks --scale"
    assert svc["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    env = _env_dict(svc["environment"])
    assert env["MARSAD_BROKER"] == "kafka://kafka:9092"
    assert env["MARSAD_WEB_HOST"] == "0.0.0.0"
    assert svc["restart"] == "unless-stopped"
    health = " ".join(_as_list(svc["healthcheck"]["test"]))
    assert "/healthz" in health
    assert not any(k.startswith("MARSAD_SASL_PASSWORD") and v for k, v in env.items())


def test_compose_only_known_services_have_host_ports(services):
    for name, svc in services.items():
        if "ports" in svc:
            assert name in ("kafka", "prometheus"), name


def test_compose_prometheus_profile(services):
    prom = services.get("prometheus")
    if prom is None:
        pytest.skip("no prometheus service")
    assert "monitoring" in prom["profiles"]
    mounts = " ".join(prom.get("volumes", []))
    assert "deploy/prometheus.yml" in mounts
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))
    names = set()
    for job in config["scrape_configs"]:
        for sd in job.get("dns_sd_configs", []):
            assert sd["port"] == WEB_PORT
            names.update(sd["names"])
        for sc in job.get("static_configs", []):
            names.update(t.split(":")[0] for t in sc["targets"])
    assert set(STAGES) <= names


# --------------------------------------------------------------------------- k8s


def test_k8s_all_namespaced_to_marsad(k8s_docs):
    for path, doc in k8s_docs:
        assert "apiVersion" in doc and "kind" in doc, path
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == "marsad"
        elif doc["kind"] != "Kustomization":
            assert doc["metadata"].get("namespace") == "marsad", path


def test_k8s_configmap_settings(configmap):
    assert all(k.startswith("MARSAD_") for k in configmap)
    assert all(isinstance(v, str) for v in configmap.values())
    assert configmap["MARSAD_BROKER"].startswith("kafka://")
    assert configmap["MARSAD_WEB_HOST"] == "0.0.0.0"
    assert int(configmap["MARSAD_WEB_PORT"]) == WEB_PORT
    assert int(configmap["MARSAD_PARTITIONS"]) >= 1
    assert configmap["MARSAD_SECURITY_PROTOCOL"] in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
    for secret_key in ("MARSAD_SASL_USERNAME", "MARSAD_SASL_PASSWORD"):
        assert secret_key not in configmap


def test_k8s_secret_is_an_example():
    path = K8S / "secret.example.yaml"
    (secret,) = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    assert secret["kind"] == "Secret"
    data = secret["stringData"]
    assert set(data) == {"MARSAD_SASL_USERNAME", "MARSAD_SASL_PASSWORD"}
    assert all("CHANGE-ME" in v for v in data.values())
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "secret.example.yaml" not in kustomization["resources"]


def test_k8s_one_deployment_per_stage(deployments):
    assert set(deployments) == set(STAGES)


def _port_number(container, port):
    if isinstance(port, int):
        return port
    for p in container["ports"]:
        if p.get("name") == port:
            return p["containerPort"]
    raise AssertionError(f"named port {port!r} not declared")


@pytest.mark.parametrize("stage", STAGES)
def test_k8s_deployment(deployments, stage):
    dep = deployments[stage]
    pod = dep["spec"]["template"]
    spec = pod["spec"]
    assert dep["metadata"]["name"] == f"marsad-{stage}"
    # selector matches template labels
    for k, v in dep["spec"]["selector"]["matchLabels"].items():
        assert pod["metadata"]["labels"][k] == v
    assert spec["terminationGracePeriodSeconds"] == 60
    (container,) = spec["containers"]
    args = _as_list(container.get("command")) + _as_list(container.get("args"))
    assert args == ["worker", "--stage", stage]

    live = container["livenessProbe"]["httpGet"]
    ready = container["readinessProbe"]["httpGet"]
    assert live["path"] == "/healthz"
    assert ready["path"] == "/readyz"
    assert _port_number(container, live["port"]) == WEB_PORT
    assert _port_number(container, ready["port"]) == WEB_PORT

    res = container["resources"]
    assert res["requests"]["cpu"] and res["requests"]["memory"]
    assert res["limits"]["cpu"] and res["limits"]["memory"]

    ann = pod["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == str(WEB_PORT)
    assert ann["prometheus.io/path"] == "/metrics"

    env_from = container["envFrom"]
    assert {"name": "marsad-config"} in [e.get("configMapRef") for e in env_from]
    secret_refs = [e["secretRef"] for e in env_from if "secretRef" in e]
    assert secret_refs and secret_refs[0]["name"] == "marsad-kafka-credentials"

    pod_sc = spec.get("securityContext", {})
    c_sc = container["securityContext"]
    assert pod_sc.get("runAsNonRoot") or c_sc.get("runAsNonRoot")
    assert (c_sc.get("runAsUser") or pod_sc.get("runAsUser", 0)) != 0
    assert c_sc["readOnlyRootFilesystem"] is True
    assert c_sc["allowPrivilegeEscalation"] is False

    # MARSAD_DATA_DIR must be writable: an emptyDir mounted at that path.
    data_dir = "/var/lib/marsad"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert data_dir in mounts
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts[data_dir]]
    assert "replicas" not in dep["spec"] or dep["spec"]["replicas"] >= 1


def test_k8s_data_dir_matches_configmap(configmap):
    assert configmap["MARSAD_DATA_DIR"] == "/var/lib/marsad"


def test_k8s_topics_job(k8s_docs, configmap):
    (job,) = _kind(k8s_docs, "Job")
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] in ("OnFailure", "Never")
    (container,) = spec["containers"]
    args = _as_list(container.get("command")) + _as_list(container.get("args"))
    assert args[:2] == ["topics", "create"]
    partitions = args[args.index("--partitions") + 1]
    assert partitions in ("$(MARSAD_PARTITIONS)", configmap["MARSAD_PARTITIONS"])
    assert {"name": "marsad-config"} in [e.get("configMapRef") for e in container["envFrom"]]


def test_k8s_metrics_service_selects_all_stage_pods(k8s_docs, deployments):
    services = [s for s in _kind(k8s_docs, "Service") if s["metadata"]["name"] == "marsad-metrics"]
    assert len(services) == 1
    svc = services[0]["spec"]
    (port,) = [p for p in svc["ports"] if p["name"] == "metrics"]
    assert port["port"] == WEB_PORT
    selector = svc["selector"]
    for stage, dep in deployments.items():
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in selector.items()), stage
    # The topics Job pod is not a metrics target.
    (job,) = _kind(k8s_docs, "Job")
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    assert not all(job_labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("stage", STAGES)
def test_keda_scaledobject(scaledobjects, deployments, configmap, stage):
    matching = [
        so for so in scaledobjects.values()
        if so["spec"]["scaleTargetRef"]["name"] == deployments[stage]["metadata"]["name"]
    ]
    assert len(matching) == 1, f"expected one ScaledObject for {stage}"
    so = matching[0]
    assert so["apiVersion"].startswith("keda.sh/")
    spec = so["spec"]
    assert spec["scaleTargetRef"].get("kind", "Deployment") == "Deployment"
    assert spec["minReplicaCount"] == 1
    assert 1 <= spec["maxReplicaCount"] <= int(configmap["MARSAD_PARTITIONS"])
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["consumerGroup"] == f"marsad-{stage}"
    assert meta["topic"] == INPUT_TOPIC[stage]
    assert int(meta["lagThreshold"]) > 0
    # KEDA wants host:port; it must be the cluster MARSAD_BROKER points at.
    brokers = [b.strip() for b in configmap["MARSAD_BROKER"].split(",")]
    expected = ",".join(b.split("://", 1)[-1] for b in brokers)
    assert meta["bootstrapServers"] == expected


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    resources = kustomization["resources"]
    for res in resources:
        assert (K8S / res).is_file(), res
    expected = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert set(resources) == expected


# --------------------------------------------------------------------------- settings named in deploy files

_SETTING_RE = re.compile(r"\bMARSAD_[A-Z0-9_]+\b")


def _deploy_files() -> list[Path]:
    return [COMPOSE, DOCKERFILE, *sorted(p for p in (ROOT / "deploy").rglob("*") if p.is_file())]


def test_every_marsad_variable_in_the_deploy_files_is_a_setting():
    named: dict[str, set[str]] = {}
    for path in _deploy_files():
        for name in _SETTING_RE.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert "MARSAD_BROKER" in named and "MARSAD_PARTITIONS" in named  # the scan sees the files
    problems = unknown_variables({name: "" for name in named})
    assert not problems, "; ".join(f"{p} (in {', '.join(sorted(named[p.split()[0]]))})" for p in problems)


def test_the_deploy_check_catches_a_variable_that_is_no_setting():
    assert unknown_variables({"MARSAD_MAX_ARTICLE_BYTES": "1"}) and not unknown_variables(
        {f"MARSAD_{name.upper()}": "1" for name in Settings.model_fields}
    )
