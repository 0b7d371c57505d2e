"""`python main.py --download_weights <Model>[,<Model>...]|all`: fill the download cache ahead of time, for machines
that train or predict offline (copy the cache folder there, or point PADDLEX_TRAIN_CACHE at it).

For each model it fetches the Train.pretrain_weight_path URL of its module YAML (what training starts from) and its
official trained weights (what create_model / --pipeline export when no model_dir is given).
"""
import yaml

from ..errors import ConfigError
from ..registry import did_you_mean
from ..utils.download import cache_root, fetch_cached, is_url
from .resolve import MAX_OFFICIAL_BYTES
from .table import official_model


def weight_urls(model_name):
    """[(what, url)] a model needs: its YAML's pretrained weights and its official weights (deduplicated)."""
    from ..catalog import catalog

    config = yaml.safe_load(catalog()[model_name].config_path.read_text(encoding="utf-8")) or {}
    urls = []
    pretrained = (config.get("Train") or {}).get("pretrain_weight_path")
    if is_url(pretrained):
        urls.append(("pretrained weights", pretrained))
    official = official_model(model_name)
    if official is not None and official.url not in dict(urls).values():
        urls.append(("official weights", official.url))
    return urls


def selected_models(text):
    """Model names from 'all' or a comma-separated list; ConfigError with did-you-mean for an unknown one."""
    from ..catalog import catalog

    names = sorted(catalog()) if text.strip().lower() == "all" else [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if name not in catalog():
            raise ConfigError(f"--download_weights: unknown model {name!r}.{did_you_mean(name, catalog())}",
                              hint="give model names from configs/modules (comma-separated) or all")
    if not names:
        raise ConfigError("--download_weights needs a model name or all.", hint="e.g. --download_weights PP-LiteSeg-T")
    return names


def download_command(text, log=print):
    """Fetch every URL the selected models need into the cache; returns the exit code (errors propagate)."""
    fetched = 0
    for name in selected_models(text):
        for what, url in weight_urls(name):
            path = fetch_cached(url, what=what, max_bytes=MAX_OFFICIAL_BYTES)
            log(f"{name}: {what} {url} -> {path}")
            fetched += 1
    log(f"{fetched} file(s) in the cache {cache_root()} (copy this folder to an offline machine, or set "
        "PADDLEX_TRAIN_CACHE there to its path)")
    return 0
