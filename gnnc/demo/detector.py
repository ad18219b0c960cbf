"""A small synthetic tracking detector, written for the demo: charged particles from the beam
line curl on helices in a solenoid field through a barrel of cylindrical layers; each layer
records a hit (r, phi, z) where a particle crosses it, with a little smearing, plus noise
hits; candidate edges join hits of adjacent layers inside a phi/z window; an edge is true
when both hits come from the same particle.

One event is one phi sector (as the TrackML sector graphs are): particles are produced
inside the sector, hits are kept inside it, so a graph fits the demo design's capacity.
Graphs are returned as PyG Data in the TrackML format's scaling (gnnc.demo.trackml_format).

Helix (units: GeV, tesla, mm): a particle of transverse momentum pT and charge q has a
transverse radius R = pT / (0.3 B) metres; from the origin with direction phi0 it reaches
radius r at phi = phi0 - q asin(r / 2R) after the transverse arc s = 2R asin(r / 2R), at
z = z0 + s sinh(eta) (sinh(eta) = cot(theta)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch_geometric.data import Data

SECTOR_HALF_WIDTH = math.pi / 8  # 8 sectors in phi; phi/(pi/8) is the scaled feature, as in TrackML
R_SCALE = Z_SCALE = 1000.0  # mm -> the features' unit


@dataclass(frozen=True)
class Detector:
    """The barrel, the field, the particles an event holds and the edge window."""

    radii_mm: tuple[float, ...] = (32.0, 72.0, 116.0, 172.0, 260.0, 360.0, 500.0, 660.0)
    half_length_mm: float = 1100.0
    field_t: float = 2.0
    tracks: tuple[int, int] = (9, 13)  # particles per sector, uniform in [lo, hi]
    pt_gev: tuple[float, float] = (1.0, 10.0)  # 1/pT uniform between 1/hi and 1/lo
    eta_max: float = 1.2
    z0_sigma_mm: float = 40.0
    smear_rphi_mm: float = 0.05
    smear_z_mm: float = 0.5
    noise_per_layer: float = 1.5  # Poisson mean
    window_dphi: float = 0.06  # |phi_out - phi_in| (rad), below 1 GeV's bend between layers + margin
    window_z0_mm: float = 200.0  # |z of the edge's line at r = 0|
    max_nodes: int = 128
    max_edges: int = 256


@dataclass
class Event:
    """The hits of one sector (phi relative to the sector centre) and the particles behind them."""

    r: np.ndarray
    phi: np.ndarray
    z: np.ndarray
    layer: np.ndarray
    pid: np.ndarray  # particle index per hit, -1 for noise
    particles: dict[str, np.ndarray] = field(default_factory=dict)  # pt, charge, eta, phi0, z0


def helix_radius_mm(pt_gev: np.ndarray | float, field_t: float) -> np.ndarray | float:
    """R = pT / (0.3 B) in metres, returned in mm."""
    return np.asarray(pt_gev) / (0.3 * field_t) * 1000.0


def crossing(pt, charge, eta, phi0, z0, r, field_t):
    """(phi, z) where a helix from the beam line crosses radius r (see the module docstring)."""
    radius = helix_radius_mm(pt, field_t)
    bend = np.arcsin(r / (2.0 * radius))
    return phi0 - charge * bend, z0 + 2.0 * radius * bend * np.sinh(eta)


def simulate_event(rng: np.random.Generator, det: Detector = Detector(), smear: bool = True) -> Event:
    n = int(rng.integers(det.tracks[0], det.tracks[1] + 1))
    inv_pt = rng.uniform(1.0 / det.pt_gev[1], 1.0 / det.pt_gev[0], n)
    particles = {
        "pt": 1.0 / inv_pt,
        "charge": rng.choice([-1.0, 1.0], n),
        "eta": rng.uniform(-det.eta_max, det.eta_max, n),
        "phi0": rng.uniform(-SECTOR_HALF_WIDTH, SECTOR_HALF_WIDTH, n),
        "z0": rng.normal(0.0, det.z0_sigma_mm, n),
    }
    cols: dict[str, list] = {"r": [], "phi": [], "z": [], "layer": [], "pid": []}
    for layer, r in enumerate(det.radii_mm):
        phi, z = crossing(*(particles[k] for k in ("pt", "charge", "eta", "phi0", "z0")), r, det.field_t)
        if smear:
            phi = phi + rng.normal(0.0, det.smear_rphi_mm / r, n)
            z = z + rng.normal(0.0, det.smear_z_mm, n)
        k = int(rng.poisson(det.noise_per_layer))
        phi = np.concatenate([phi, rng.uniform(-SECTOR_HALF_WIDTH, SECTOR_HALF_WIDTH, k)])
        z = np.concatenate([z, rng.uniform(-det.half_length_mm, det.half_length_mm, k)])
        pid = np.concatenate([np.arange(n), np.full(k, -1)])
        seen = (np.abs(phi) < SECTOR_HALF_WIDTH) & (np.abs(z) < det.half_length_mm)
        for key, values in (("r", np.full(n + k, r)), ("phi", phi), ("z", z),
                            ("layer", np.full(n + k, layer)), ("pid", pid)):
            cols[key].append(values[seen])
    arrays = {k: np.concatenate(v) for k, v in cols.items()}
    return Event(arrays["r"], arrays["phi"], arrays["z"], arrays["layer"].astype(np.int64),
                 arrays["pid"].astype(np.int64), particles)


def candidate_edges(event: Event, det: Detector = Detector()) -> np.ndarray:
    """[2, E]: (inner hit, outer hit) of adjacent layers with |dphi| < window_dphi and the
    pair's straight line in (r, z) passing within window_z0_mm of z = 0 at r = 0."""
    pairs = []
    for layer in range(len(det.radii_mm) - 1):
        inner = np.flatnonzero(event.layer == layer)
        outer = np.flatnonzero(event.layer == layer + 1)
        i, o = (a.reshape(-1) for a in np.meshgrid(inner, outer, indexing="ij"))
        dphi = event.phi[o] - event.phi[i]
        z0 = event.z[i] - event.r[i] * (event.z[o] - event.z[i]) / (event.r[o] - event.r[i])
        keep = (np.abs(dphi) < det.window_dphi) & (np.abs(z0) < det.window_z0_mm)
        pairs.append(np.stack([i[keep], o[keep]]))
    return np.concatenate(pairs, axis=1).astype(np.int64)


def truth(event: Event, edges: np.ndarray) -> np.ndarray:
    """1 where both hits of an edge come from the same particle (noise never matches)."""
    a, b = event.pid[edges[0]], event.pid[edges[1]]
    return ((a == b) & (a >= 0)).astype(np.float32)


def to_graph(event: Event, edges: np.ndarray) -> Data:
    """The TrackML format's features: x = (r/1000, phi/(pi/8), z/1000); per edge
    (dr, dphi, dz) of the scaled features, outer minus inner, and dR = sqrt(deta^2 + dphi^2)
    with dphi in radians."""
    x = np.stack([event.r / R_SCALE, event.phi / SECTOR_HALF_WIDTH, event.z / Z_SCALE], axis=1)
    s, t = edges
    eta = np.arcsinh(event.z / event.r)  # = -ln tan(theta/2) of the hit seen from the origin
    dR = np.hypot(eta[t] - eta[s], event.phi[t] - event.phi[s])
    edge_attr = np.concatenate([x[t] - x[s], dR[:, None]], axis=1)
    return Data(
        x=torch.from_numpy(x.astype(np.float32)),
        edge_index=torch.from_numpy(edges),
        edge_attr=torch.from_numpy(edge_attr.astype(np.float32)),
        y=torch.from_numpy(truth(event, edges)),
    )


def _fits(event: Event, edges: np.ndarray, det: Detector) -> bool:
    return len(event.r) <= det.max_nodes and edges.shape[1] <= det.max_edges


def _without_particle(event: Event, particle: int) -> Event:
    keep = event.pid != particle
    return Event(event.r[keep], event.phi[keep], event.z[keep], event.layer[keep], event.pid[keep],
                 event.particles)


def generate(count: int, seed: int = 0, det: Detector = Detector()) -> list[tuple[Data, np.ndarray]]:
    """`count` sector graphs, each with its hits' particle ids, the same for the same seed.
    A sector over the capacity loses its last particles until it fits."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        event = simulate_event(rng, det)
        edges = candidate_edges(event, det)
        particle = int(event.pid.max())
        while not _fits(event, edges, det) and particle >= 0:
            event = _without_particle(event, particle)
            edges = candidate_edges(event, det)
            particle -= 1
        out.append((to_graph(event, edges), event.pid))
    return out
