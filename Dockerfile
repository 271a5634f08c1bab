# syntax=docker/dockerfile:1
#
# Marsad stream-processing worker image.
#
#   docker build -t marsad:latest .
#   docker run --rm -e MARSAD_BROKER=kafka://host:9092 marsad:latest worker --stage entities
#
# One image serves every stage; pick the stage with the command
# (`worker --stage normalise|entities|events|stance|all`) and scale each stage
# independently. See deploy/README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MARSAD_WEB_HOST=0.0.0.0 \
    MARSAD_WEB_PORT=6066 \
    MARSAD_DATA_DIR=/var/lib/marsad

# Unprivileged runtime user (numeric uid so Kubernetes runAsNonRoot can verify it).
RUN groupadd --system --gid 10001 marsad \
 && useradd --system --uid 10001 --gid marsad --home-dir /app --shell /usr/sbin/nologin marsad \
 && mkdir -p /app /var/lib/marsad \
 && chown -R marsad:marsad /var/lib/marsad

WORKDIR /app

COPY pyproject.toml setup.py README.md ./
COPY models/ models/
COPY streams/ streams/

# The package declares everything it imports: a plain install is a working worker
# (the statistical model stack is the optional `.[models]` extra, not in this image).
# setup.py compiles the analysis modules with mypyc; the C compiler it needs is removed in
# the same step, so the image does not keep it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && pip install --no-cache-dir . \
 && apt-get purge -y --auto-remove gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*

USER 10001:10001

EXPOSE 6066

# Liveness only (/healthz). /readyz is 503 on replicas that hold no partitions,
# which is normal for surplus replicas, so it must not mark the container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MARSAD_WEB_PORT', '6066'), timeout=4)"]

ENTRYPOINT ["marsad"]
CMD ["worker", "--stage", "all"]
