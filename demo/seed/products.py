"""The products a demo client subscribes to: hubs, each in an edition, sold up and down."""

from __future__ import annotations

import random

from demo.seed.reference import EDITIONS, HUBS


def products_pick(rng: random.Random, tools: int) -> list[list[str]]:
    """``tools`` hubs, each [hub, edition]."""
    hubs = rng.sample(HUBS, k=min(tools, len(HUBS)))
    return [[hub, rng.choices(EDITIONS, (5, 4, 1))[0]] for hub in hubs]


def product_upsell(rng: random.Random, products: list[list[str]]) -> str:
    """Add a hub or move one up an edition; returns what was sold."""
    missing = products_missing(products)
    upgradable = [p for p in products if p[1] != EDITIONS[-1]]
    if missing and (not upgradable or rng.random() < 0.5):
        product = [rng.choice(missing), rng.choices(EDITIONS[:2], (3, 2))[0]]
        products.append(product)
        return f"{product[0]} {product[1]}"
    if upgradable:
        product = rng.choice(upgradable)
        product[1] = EDITIONS[EDITIONS.index(product[1]) + 1]
        return f"{product[0]} {product[1]} upgrade"
    return "seat expansion"


def product_downsell(rng: random.Random, products: list[list[str]]) -> None:
    """Drop a hub or move one down an edition."""
    lowerable = [p for p in products if p[1] != EDITIONS[0]]
    if len(products) > 1 and (not lowerable or rng.random() < 0.4):
        products.remove(rng.choice(products))
    elif lowerable:
        product = rng.choice(lowerable)
        product[1] = EDITIONS[EDITIONS.index(product[1]) - 1]


def products_missing(products: list[list[str]]) -> list[str]:
    """The hubs not among ``products``, in catalogue order."""
    return [hub for hub in HUBS if hub not in {h for h, _ in products}]
