"""The ``--arch`` layer spec: a short text that writes a network the way the lectures do.

The lectures' pattern INPUT -> [[CONV -> RELU]*N -> POOL?]*M -> [FC -> RELU]*K -> FC is
written with commas between layers, brackets around a group and ``*N`` after a group to
repeat it::

    [[conv3-32,relu]*2,pool2]*3,[fc256,relu,dropout0.5],fc
    conv5-6,tanh,avgpool2,conv5-16,tanh,avgpool2,fc120,tanh,fc84,tanh,fc     (LeNet-5)

Layers (the number after the name is the layer's main size; options follow as
``:key=value``):

    convF-K      K filters of FxF; stride s=1, padding p=0 (or p=same / p=valid, as
                 TensorFlow pads), dilation d=1, groups g=1 (VGG writes conv3-64)
    lcF-K        locally connected: like convF-K with unshared weights; s, p (a number)
    poolK        max pooling KxK (maxpoolK too); stride s=K, padding p=0|same|valid
    avgpoolK     average pooling, the same options
    gap          global average pooling (to a vector of channels)
    bn           batch normalisation        lrn    local response normalisation
    dropoutP     dropout with probability P (0.5 when left out)
    flatten      the feature map as a vector
    fcN          fully connected, N outputs; a bare ``fc`` (the last layer) has one output
                 per class
    relu, elu, tanh, sigmoid, leakyA (slope A, 0.01 when left out), maxoutK (K pieces, 2)

A mistake is refused with a :class:`~cnnlab.errors.ConfigError` that gives the character
where it is and shows the text around it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from cnnlab.errors import ConfigError

MAX_LAYERS = 1000  # layers after expanding the repeats
MAX_REPEAT = 100
MAX_WIDTH = 65_536  # filters, fc outputs
MAX_WINDOW = 1024  # kernel, stride, padding, dilation in pixels

ACTIVATIONS = ("relu", "leaky", "elu", "tanh", "sigmoid", "maxout")
KINDS = (
    "conv", "lc", "maxpool", "avgpool", "gap", "bn", "lrn", "dropout", "flatten", "fc",
    *ACTIVATIONS,
)  # fmt: skip
# option names: the short one and the long ones that mean it
OPTION_NAMES = {"s": "s", "stride": "s", "p": "p", "pad": "p", "padding": "p", "d": "d"}
OPTION_NAMES |= {"dilation": "d", "g": "g", "groups": "g"}
OPTIONS_OF = {"conv": "spdg", "lc": "sp", "maxpool": "sp", "avgpool": "sp"}
TF_PADDINGS = ("same", "valid")

_LAYER = re.compile(
    r"(?P<name>[a-z]+)(?P<size>[0-9]+)?(?:-(?P<width>[0-9]+))?"
    r"|(?P<fname>dropout|leaky)(?P<number>[0-9]*\.?[0-9]+(?:e-?[0-9]+)?)"
)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a spec, as written."""

    kind: str  # one of KINDS ("pool" is stored as "maxpool")
    text: str  # the token as written, options included
    position: int  # 1-based character of the token in the spec
    size: int | None = None  # the window (conv, lc, pool) or width (fc) or pieces (maxout)
    width: int | None = None  # conv and lc: the number of filters
    number: float | None = None  # dropout probability, leaky slope
    options: dict[str, int | str] = field(default_factory=dict)  # s, p, d, g

    def option(self, key: str, default: int | str) -> int | str:
        return self.options.get(key, default)


class SpecError(ConfigError):
    """A spec that does not parse: the message points at the character."""


def pointer(spec: str, position: int, length: int = 1) -> str:
    """The spec with the part at ``position`` (1-based) marked: ``conv3-8,>>cnv5<<,fc``."""
    start = position - 1
    end = start + max(length, 1)
    return f"{spec[:start]}>>{spec[start:end]}<<{spec[end:]}"


def fail(spec: str, position: int, length: int, what: str) -> SpecError:
    return SpecError(f"--arch: {what} at character {position} ({pointer(spec, position, length)})")


def parse_arch(spec: str) -> list[LayerSpec]:
    """The layers ``spec`` writes, repeats expanded, in order."""
    if not isinstance(spec, str) or not spec.strip():
        raise SpecError("--arch must be a layer spec such as conv5-6,relu,pool2,fc, found ''")
    parser = _Parser(spec)
    layers = parser.items(depth=0)
    if parser.at < len(spec):
        raise fail(spec, parser.at + 1, 1, f"unexpected {spec[parser.at]!r}")
    return layers


class _Parser:
    """A recursive-descent parser over the spec text; ``at`` is the 0-based cursor."""

    def __init__(self, spec: str):
        self.spec, self.at = spec, 0

    def skip_spaces(self) -> None:
        while self.at < len(self.spec) and self.spec[self.at].isspace():
            self.at += 1

    def items(self, depth: int) -> list[LayerSpec]:
        layers: list[LayerSpec] = []
        while True:
            self.skip_spaces()
            layers += self.item(depth)
            if len(layers) > MAX_LAYERS:
                raise fail(self.spec, self.at, 1, f"more than {MAX_LAYERS} layers")
            self.skip_spaces()
            if self.at < len(self.spec) and self.spec[self.at] == ",":
                self.at += 1
                continue
            return layers

    def item(self, depth: int) -> list[LayerSpec]:
        if self.at >= len(self.spec) or self.spec[self.at] in ",]":
            what = "the spec ends" if self.at >= len(self.spec) else "an empty item"
            raise fail(self.spec, self.at + 1, 1, f"a layer was expected, {what}")
        if self.spec[self.at] != "[":
            return [self.layer()]
        opened = self.at
        self.at += 1
        inner = self.items(depth + 1)
        if self.at >= len(self.spec) or self.spec[self.at] != "]":
            raise fail(self.spec, opened + 1, 1, "this '[' is never closed")
        self.at += 1
        return inner * self.repeat()

    def repeat(self) -> int:
        self.skip_spaces()
        if self.at >= len(self.spec) or self.spec[self.at] != "*":
            return 1
        match = re.compile(r"\*\s*([0-9]+)").match(self.spec, self.at)
        if not match or not 1 <= int(match.group(1)) <= MAX_REPEAT:
            length = match.end() - self.at if match else 1
            raise fail(self.spec, self.at + 1, length, f"*N needs N in [1, {MAX_REPEAT}]")
        self.at = match.end()
        return int(match.group(1))

    def layer(self) -> LayerSpec:
        start = self.at
        end = start
        while end < len(self.spec) and self.spec[end] not in ",[]*":
            end += 1
        token = self.spec[start:end].strip()
        self.at = end
        return layer_from_token(self.spec, token, start + 1)


def layer_from_token(spec: str, token: str, position: int) -> LayerSpec:
    """One ``name[size][-width][:key=value...]`` token as a :class:`LayerSpec`."""
    head, *option_texts = token.lower().split(":")
    match = _LAYER.fullmatch(head)
    name = match and (match.group("name") or match.group("fname"))
    kind = "maxpool" if name == "pool" else name
    if kind not in KINDS:
        known = "conv, lc, pool, maxpool, avgpool, gap, bn, lrn, dropout, flatten, fc, "
        raise fail(spec, position, len(token), f"unknown layer {token!r} (layers: {known}"
                   f"{', '.join(ACTIVATIONS)})")  # fmt: skip
    layer = LayerSpec(
        kind,
        token,
        position,
        size=_integer(spec, position, token, match.group("size")),
        width=_integer(spec, position, token, match.group("width")),
        number=float(match.group("number")) if match.group("number") else None,
        options=_options(spec, position, token, kind, option_texts),
    )
    check_layer(spec, layer)
    return layer


def _integer(spec: str, position: int, token: str, text: str | None) -> int | None:
    if text is None:
        return None
    value = int(text)
    if not 1 <= value <= MAX_WIDTH:
        raise fail(spec, position, len(token), f"{token!r}: {value} is not in [1, {MAX_WIDTH}]")
    return value


def _options(
    spec: str, position: int, token: str, kind: str, texts: list[str]
) -> dict[str, int | str]:
    options: dict[str, int | str] = {}
    allowed = OPTIONS_OF.get(kind, "")
    for text in texts:
        key, _, value = text.partition("=")
        short = OPTION_NAMES.get(key.strip())
        if short is None or short not in allowed:
            takes = ", ".join(f"{k}=" for k in allowed) or "no options"
            raise fail(spec, position, len(token), f"{token!r}: {kind} takes {takes}, "
                       f"found {text!r}")  # fmt: skip
        if short in options:
            raise fail(spec, position, len(token), f"{token!r}: option {key!r} given twice")
        options[short] = _option_value(spec, position, token, kind, short, value.strip())
    return options


def _option_value(spec: str, position: int, token: str, kind: str, key: str, value: str):
    if key == "p" and value in TF_PADDINGS and kind != "lc":
        return value
    low = 0 if key == "p" else 1
    if not re.fullmatch("[0-9]+", value) or not low <= int(value) <= MAX_WINDOW:
        expected = f"an integer in [{low}, {MAX_WINDOW}]"
        if key == "p" and kind != "lc":
            expected += ", same or valid"
        raise fail(spec, position, len(token), f"{token!r}: {key}= must be {expected}, "
                   f"found {value!r}")  # fmt: skip
    return int(value)


# which of the number parts each kind takes: size (after the name), width (after '-')
SHAPES = {
    "conv": ("convF-K", True, True), "lc": ("lcF-K", True, True),
    "maxpool": ("poolK", True, False), "avgpool": ("avgpoolK", True, False),
    "fc": ("fcN or fc", None, False), "maxout": ("maxoutK", None, False),
}  # fmt: skip


def check_layer(spec: str, layer: LayerSpec) -> None:
    """The token has the numbers its kind takes, and they are in range."""
    form, wants_size, wants_width = SHAPES.get(layer.kind, (layer.kind, False, False))
    if layer.kind in ("dropout", "leaky"):
        form, wants_size = f"{layer.kind} or {layer.kind}A", False
    bad = (wants_size is True and layer.size is None) or (
        wants_size is False and layer.size is not None
    )
    bad |= (layer.width is None) if wants_width else (layer.width is not None)
    bad |= layer.number is not None and layer.kind not in ("dropout", "leaky")
    if bad:
        raise fail(spec, layer.position, len(layer.text), f"{layer.text!r} is not {form}")
    if layer.kind in ("conv", "lc", "maxpool", "avgpool") and layer.size > MAX_WINDOW:
        raise fail(spec, layer.position, len(layer.text),
                   f"{layer.text!r}: a window of {layer.size} is over {MAX_WINDOW}")  # fmt: skip
    if layer.kind == "dropout" and layer.number is not None and not 0 <= layer.number < 1:
        raise fail(spec, layer.position, len(layer.text),
                   f"{layer.text!r}: the probability must be in [0, 1)")  # fmt: skip
    if layer.kind == "leaky" and layer.number is not None and not math.isfinite(layer.number):
        raise fail(spec, layer.position, len(layer.text), f"{layer.text!r}: a finite slope")
