# syntax=docker/dockerfile:1
# colloquy: one image for the API, the dashboard and the workers (the command picks the role).
#   docker build -t colloquy .                                    # CPU torch (default)
#   docker build --build-arg TORCH_VARIANT=cu126 -t colloquy:cuda .  # CUDA torch (run with --gpus all)
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ARG TORCH_VARIANT=cpu
ARG EXTRAS=postgres,api,dashboard,pipelines,scale
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.* \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/colloquy
ENV PATH=/opt/colloquy/bin:$PATH
COPY constraints.txt ./
# torch first, from PyTorch's index for the chosen variant: a plain `pip install torch`
# on Linux pulls gigabytes of CUDA libraries into a CPU image.
RUN pip install -c constraints.txt torch --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}"
COPY pyproject.toml README.md ./
COPY src ./src
# boto3: MLflow reads and writes artifacts on the S3-compatible store (MinIO).
RUN pip install -c constraints.txt ".[${EXTRAS}]" "boto3==1.44.8"

FROM python:${PYTHON_VERSION}-slim AS runtime
ARG UID=10001
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1=12.* curl=7.* \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid "${UID}" --create-home --home-dir /home/colloquy --shell /usr/sbin/nologin colloquy \
    && mkdir -p /data \
    && chown "${UID}:${UID}" /data
COPY --from=build /opt/colloquy /opt/colloquy
COPY --chown=${UID}:${UID} configs /opt/colloquy/share/configs
ENV PATH=/opt/colloquy/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    COLLOQUY_HOME=/data \
    COLLOQUY_DATA_DIR=/data/datasets
USER ${UID}:${UID}
WORKDIR /home/colloquy
VOLUME ["/data"]
EXPOSE 8000 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "http://127.0.0.1:8000/health"]
ENTRYPOINT ["colloquy"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
