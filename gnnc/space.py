"""The design space of a sweep: a grid or a list of points over config keys (docs/sweep.md).

A key is a config path with dots (`precision.default`, `graph.max_edges`); a part that holds
dots itself, such as an op path, goes in brackets (`reuse_factor.ops[R1.layers.0]`). Nothing
here knows which keys exist: each point is the base config with its values set, read by
gnnc's own config parser, so a bad key or value is a ConfigError naming the point and key.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gnnc.config import Config, load_config, read_yaml
from gnnc.errors import ConfigError, clip

MAX_POINTS = 100_000  # a sweep of more points is a typo in the grid, not a plan
_SPACE_KEYS = {"grid", "points"}
_PART = re.compile(r"\[([^\[\]]+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Point:
    index: int  # its place in the space, from 0
    values: dict[str, Any]  # config path -> value, as the space gives them
    config: dict  # the base config with the values set (what load_config read)

    @property
    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.values.items()) or "(base config)"


def split_path(path: str) -> list[str]:
    """`reuse_factor.ops[R1.layers.0]` -> ["reuse_factor", "ops", "R1.layers.0"]."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"space: {path!r} is not a config key (write e.g. precision.default)")
    parts, pos = [], 0
    while pos < len(path):
        match = _PART.match(path, pos)
        if match is None:
            raise ConfigError(f"space: key {clip(path, 200)!r} is not a config path "
                              "(dots between keys, brackets around a key with dots: reuse_factor.ops[R1.layers.0])")
        parts.append(match.group(1) or match.group(2))
        pos = match.end()
        if pos < len(path) and path[pos] == ".":
            pos += 1
            if pos == len(path):
                raise ConfigError(f"space: key {clip(path, 200)!r} ends with a dot")
    return parts


def with_value(config: dict, path: str, value: Any, where: str) -> dict:
    """A copy of `config` with the key at `path` set to `value` (mappings on the way are created)."""
    out = copy.deepcopy(config)
    node, parts = out, split_path(path)
    for k, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            done = ".".join(parts[: k + 1])
            raise ConfigError(f"{where}: key {path}: the config gives {done} as {child!r}, not a mapping; "
                              f"write it in the long form (e.g. {done}: {{default: {child!r}}})")
        node = child
    node[parts[-1]] = copy.deepcopy(value)
    return out


def load_space(source: dict | list | str | Path) -> dict:
    """The space as a mapping with `grid` and/or `points`, from a dict, a list of points or a YAML file."""
    if isinstance(source, str | Path):
        source = read_yaml(Path(source), "space file")
    if isinstance(source, list):
        source = {"points": source}
    if not isinstance(source, dict):
        raise ConfigError(f"space: expected a mapping with grid: and/or points:, got {type(source).__name__}")
    unknown = sorted(str(k) for k in source.keys() - _SPACE_KEYS)
    if unknown or not source:
        raise ConfigError(f"space: {'unknown key ' + ', '.join(unknown) if unknown else 'empty'}; a space has "
                          "grid: {config.key: [values]} (every combination) and/or points: [{config.key: value}] "
                          "(docs/sweep.md)")
    return source


def expand(space: dict | list | str | Path, base: Config | dict | str | Path | None = None) -> list[Point]:
    """Every point of the space: each listed point (or the base config alone) combined with each
    combination of the grid, in order. Each point's config is validated."""
    space = load_space(space)
    base_dict = _base_dict(base)
    grid = space.get("grid") or {}
    if not isinstance(grid, dict) or any(not isinstance(v, list) or not v for v in grid.values()):
        raise ConfigError("space.grid: expected a mapping of config keys to non-empty lists of values, "
                          "e.g. grid: {reuse_factor: [1, 2, 4]}")
    listed = space.get("points", [{}])
    if not isinstance(listed, list) or not listed or any(not isinstance(p, dict) for p in listed):
        raise ConfigError("space.points: expected a non-empty list of mappings of config keys to values")
    count = len(listed) * _product(len(v) for v in grid.values())
    if count > MAX_POINTS:
        raise ConfigError(f"space: {count} points is more than a sweep takes ({MAX_POINTS}); shorten the grid")
    points: list[Point] = []
    seen: dict[str, int] = {}
    for fixed in listed:
        for combo in itertools.product(*grid.values()):
            values = {**fixed, **dict(zip(grid, combo))}
            points.append(_point(len(points), values, base_dict, seen))
    return points


def _point(index: int, values: dict, base: dict, seen: dict[str, int]) -> Point:
    where = f"sweep point {index} ({' '.join(f'{k}={v}' for k, v in values.items()) or 'the base config'})"
    config = base
    for path, value in values.items():
        config = with_value(config, path, value, where)
    try:
        load_config(config)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}") from None
    key = json.dumps(config, sort_keys=True, default=str)
    if key in seen:
        raise ConfigError(f"{where} is the same config as sweep point {seen[key]}; list each point once")
    seen[key] = index
    return Point(index, dict(values), config)


def _base_dict(base: Config | dict | str | Path | None) -> dict:
    if base is None:
        return {}
    if isinstance(base, Config):
        return base.to_dict()
    if isinstance(base, str | Path):
        return read_yaml(Path(base), "config file")
    if not isinstance(base, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {type(base).__name__}")
    load_config(base)  # an error in the base config is the base's, not the first point's
    return copy.deepcopy(base)


def _product(sizes) -> int:
    n = 1
    for s in sizes:
        n *= s
    return n
