"""Name the engine's version; bump it whenever a result could change for the same inputs."""

ENGINE_VERSION = "2.3.1"
