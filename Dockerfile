# The sweep binary for cluster runs (Kubernetes Indexed Jobs, Slurm with containers).
# Build: docker build -t attnsweep . ; see README.md ("Beyond one machine").
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/sweep ./cmd/sweep

FROM debian:bookworm-slim
COPY --from=build /out/sweep /usr/local/bin/sweep
COPY experiments /work/experiments
WORKDIR /work
ENTRYPOINT ["sweep"]
