// Package compose collects what `docker compose ps`, `docker inspect` and `docker compose
// logs` show for Caracal's Compose projects, the images and engine version, and the
// installed runtime folder ($CARACAL_HOME). It talks to the Docker Engine API with
// Docker's own client (DOCKER_HOST or the default socket), never to the docker CLI.
//
// Collectors, all in group "compose": compose-containers, compose-logs,
// compose-versions and compose-host.
package compose
