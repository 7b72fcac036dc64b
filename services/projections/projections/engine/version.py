"""Name the engine's version; bump it whenever a result could change for the same inputs."""

ENGINE_VERSION = "1.0.0"
