"""Suite backends. Only backends/<suite>/ imports that suite; each package loads paddle via paddle_env first."""
