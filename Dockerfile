# Sluice's container image: the one binary on Debian 12, run as an unprivileged user.
#   docker build -t sluice .
#   docker run --rm sluice logins run --help
# docs/deploy.md explains the image and the Kubernetes manifests that use it;
# tests/packaging/dockerfile_check.py checks this file against the repository and the binary.

# Build stage: the packages the release binary's build needs (a subset of scripts/deps: no test
# servers, benchmarks' tools or browser), then only the `sluice` target.
FROM debian:12-slim AS build
# GoogleTest and Google Benchmark are here because the top-level CMakeLists.txt finds them while
# configuring (tests/ and bench/micro/), even though only `sluice` is built.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libpq-dev libsimdjson-dev libcli11-dev libfmt-dev \
      libssl-dev libcurl4-openssl-dev libpugixml-dev libmariadb-dev \
      libgtest-dev libgmock-dev libbenchmark-dev \
      libboost1.81-dev prometheus-cpp-dev libyaml-cpp-dev libinih-dev \
      zlib1g-dev libhowardhinnant-date-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY sql/ sql/
COPY examples/ examples/
COPY tests/ tests/
COPY bench/micro/ bench/micro/
# No .git in the context (.dockerignore), so `sluice --version` names the commit "unknown".
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target sluice \
 && build/sluice --version

# Runtime stage: the shared libraries `ldd sluice` lists, through the Debian packages that hold
# them (their own dependencies come along: libdate-tz3 brings tzdata for IANA zone names), and
# the CA certificates for HTTPS to AWS.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libc6 libgcc-s1 libstdc++6 zlib1g \
      libpq5 libmariadb3 libssl3 libcurl4 \
      libfmt9 libsimdjson14 libpugixml1v5 libyaml-cpp0.7 libprometheus-cpp-core1.0 \
      libinih1 libdate-tz3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/sluice \
      --shell /usr/sbin/nologin sluice
COPY --from=build /src/build/sluice /usr/bin/sluice
# A numeric user, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
# The lake's default location (./lake) and anything else relative lands in the user's home.
WORKDIR /var/lib/sluice
# `lake serve --listen 0.0.0.0:8080`; `logins run --metrics-listen 0.0.0.0:9464`.
EXPOSE 8080 9464
ENTRYPOINT ["sluice"]
CMD ["--help"]
