# pgmux container image.
#
#   docker build -t pgmux .
#   docker run -p 6432:6432 -p 9127:9127 -v "$PWD/pgmux.yaml:/etc/pgmux/pgmux.yaml:ro" pgmux
#
# Configuration: /etc/pgmux/pgmux.yaml. The image ships conf/pgmux.yaml there as a default; mount
# your own file over it (docker -v, or a Kubernetes ConfigMap mounted at /etc/pgmux). The CMD adds
# `--listen 0.0.0.0:6432` because a file's usual `listen: 127.0.0.1:6432` would only accept
# connections from inside the container; a mounted config that must choose its own listen address
# needs the CMD replaced too (`docker run pgmux -c /etc/pgmux/pgmux.yaml`). Port 9127 is the
# metrics/HTTP endpoint: give it a non-loopback address in the config to reach it from outside.
#
# .ci/run checks that every path copied below exists (CI has no Docker engine to build this).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The poms alone first: building them downloads every plugin and dependency into a layer that
# stays cached until a pom changes (dependency:go-offline cannot resolve the modules' own artifacts).
COPY pom.xml ./
COPY protocol/pom.xml protocol/
COPY proxy/pom.xml proxy/
COPY bench/pom.xml bench/
RUN mvn -B -q -DskipTests package
COPY protocol/src protocol/src
COPY proxy/src proxy/src
COPY bench/src bench/src
RUN mvn -B -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 pgmux \
 && useradd --system --uid 10001 --gid pgmux --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin pgmux
COPY --from=build /src/proxy/target/pgmux.jar /opt/pgmux/pgmux.jar
COPY conf/pgmux.yaml /etc/pgmux/pgmux.yaml
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 6432 9127
# An OutOfMemoryError ends the process (status 3) so that the container is restarted, never left half-working.
# The serial collector with a 24 MB young generation, and C heap memory the JVM freed given back to the system every
# 5 s: the JVM settings chosen by measurement (README, JVM settings; the option needs JDK 17.0.9 or later).
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xmn24m", "-XX:TrimNativeHeapInterval=5000", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/pgmux/pgmux.jar"]
CMD ["-c", "/etc/pgmux/pgmux.yaml", "--listen", "0.0.0.0:6432"]
