"""`python main.py --serve --pipeline NAME|YAML [--model_dir DIR] [--device D] [--host H] [--port P] [--workers N]
[--allow-private-urls]`: parsed here; paddlex_train/cli.py hands every `--serve` command line over."""
import argparse

from ..errors import ConfigError

EXAMPLE = "python main.py --serve --pipeline semantic_segmentation --model_dir output/best_model/inference"


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ConfigError(f"Command line: {message}.", hint=f"e.g. {EXAMPLE}")


def build_parser():
    """The parser of the serve command."""
    p = _Parser(prog="main.py --serve", description="Serve a pipeline over HTTP, PaddleX-compatible "
                "(POST /semantic-segmentation or /instance-segmentation, GET /health, /ready, /docs).",
                epilog=f"example: {EXAMPLE}")
    p.add_argument("--serve", action="store_true", required=True, help="run the HTTP server")
    p.add_argument("--pipeline", required=True,
                   help="semantic_segmentation, instance_segmentation, or a pipeline .yaml (may hold Serving:)")
    p.add_argument("--model_dir", help="exported inference directory (overrides the YAML)")
    p.add_argument("--device", help="cpu, gpu, gpu:0; gpu:0,1 with --workers 2 gives each worker its own GPU")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 = all)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--workers", type=int, default=1, help="worker processes, each with its own model (default 1)")
    p.add_argument("--allow-private-urls", "--allow_private_urls", dest="allow_private_urls", action="store_true",
                   help="let URL inputs reach loopback/private/link-local addresses (off by default)")
    p.add_argument("--debug", action="store_true", help="print tracebacks")
    return p


def serve_command(argv):
    """Parse `argv` (the whole main.py command line) and serve; returns the exit code."""
    from .server import ServeOptions, serve

    args = build_parser().parse_args(argv)
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port={args.port} is not a port number.", hint="use 1..65535, e.g. --port 8080")
    return serve(ServeOptions(args.pipeline, args.model_dir, args.device, args.host, args.port, args.workers,
                              args.allow_private_urls))
