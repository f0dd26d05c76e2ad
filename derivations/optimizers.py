"""Optimiser updates: SGD with momentum, Nesterov momentum, Adagrad, RMSProp and Adam, with worked numeric steps."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from symdl import Computed, Derivation, Identity, Step
from symdl.errors import ParameterError
from symdl.verify import CheckResult
from symdl.worked import (
    W,
    Written,
    add,
    div,
    mul,
    number,
    power,
    read_number,
    sqrt,
    sub,
    symbol,
    worked,
    written,
)

NAME = "optimizers"
SUMMARY = "Momentum, Nesterov, Adagrad, RMSProp and Adam (bias-corrected): update rules and worked numeric steps"
PARAMS = {"method": "all", "w": 1.0, "g": 0.5, "lr": 0.1, "beta": 0.9, "rho": 0.9, "beta1": 0.9, "beta2": 0.999,
          "eps": 1e-8}
PARAM_HELP = {  # symdl derive NAME --help, symdl list --params
    "method": "all, momentum, nesterov, adagrad, rmsprop or adam",
    "w": "the initial weight w_0",
    "g": "the gradient (a list: one per step)",
    "lr": "the learning rate eta",
    "beta": "the momentum coefficient",
    'rho': "RMSProp's decay",
    'beta1': "Adam's first-moment decay",
    'beta2': "Adam's second-moment decay",
    "eps": "the constant in the denominator",
}

METHODS = {"momentum": "momentum", "nesterov": "Nesterov", "adagrad": "Adagrad", "rmsprop": "RMSProp", "adam": "Adam"}
HYPER = {"momentum": ("beta",), "nesterov": ("beta",), "adagrad": ("eps",), "rmsprop": ("rho", "eps"),
         "adam": ("beta1", "beta2", "eps")}
MAX_STEPS = 5
UNROLLED = 3  # the unrolled forms are checked at this t
LONGEST_EXACT = 120  # characters of LaTeX; a longer exact result is given to 15 significant digits


def s(tex: str) -> W:
    """A named quantity of the update rules (short: the rules below read like the formulas)."""
    return symbol(tex)


# --- the update rules, written once for symbols and for numbers ---------------------------------------------------------

def momentum_velocity(beta, v, lr, g):
    return sub(mul(beta, v), mul(lr, g))


def momentum_weight(w, v):
    return add(w, v)


def nesterov_weight(w, beta, v, lr, g):
    return sub(add(w, mul(beta, v)), mul(lr, g))


def adagrad_accumulator(r, g):
    return add(r, power(g, number(2)))


def scaled_step(w, lr, acc, eps, g):
    """``w - eta / (sqrt(acc) + eps) g``: Adagrad's and RMSProp's step."""
    return sub(w, mul(div(lr, add(sqrt(acc), eps)), g))


def rmsprop_average(rho, acc, g):
    return add(mul(rho, acc), mul(sub(number(1), rho), power(g, number(2))))


def adam_first(beta1, m, g):
    return add(mul(beta1, m), mul(sub(number(1), beta1), g))


def adam_second(beta2, v, g):
    return add(mul(beta2, v), mul(sub(number(1), beta2), power(g, number(2))))


def corrected(moment, beta, t):
    return div(moment, sub(number(1), power(beta, t)))


def adam_weight(w, lr, m_hat, v_hat, eps):
    return sub(w, mul(lr, div(m_hat, add(sqrt(v_hat), eps))))


# --- plain NumPy implementations (Nesterov as PyTorch writes it: a buffer of gradients) --------------------------------

def np_step(method: str, state: dict, g, t, lr, beta, rho, beta1, beta2, eps) -> dict:
    """One step of a plain NumPy implementation of the optimiser, from ``state`` (w and the method's buffers)."""
    w = state["w"]
    if method == "momentum":
        v = beta * state["v"] - lr * g
        return {"v": v, "w": w + v}
    if method == "nesterov":  # PyTorch: buf = beta buf + g; w -= lr (g + beta buf); our velocity is -lr buf
        buf = beta * (-state["v"] / lr) + g
        return {"v": -lr * buf, "w": w - lr * (g + beta * buf)}
    if method == "adagrad":
        r = state["r"] + g * g
        return {"r": r, "w": w - lr * g / (np.sqrt(r) + eps)}
    if method == "rmsprop":
        acc = rho * state["s"] + (1 - rho) * g * g
        return {"s": acc, "w": w - lr * g / (np.sqrt(acc) + eps)}
    m = beta1 * state["m"] + (1 - beta1) * g
    v = beta2 * state["v"] + (1 - beta2) * g * g
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "w": w - lr * m_hat / (np.sqrt(v_hat) + eps)}


def np_run(method: str, w0: float, grads, lr, beta, rho, beta1, beta2, eps) -> list[dict]:
    """Each step's state from zero buffers."""
    state, states = {"w": np.float64(w0), "v": 0.0, "r": 0.0, "s": 0.0, "m": 0.0}, []
    for t, g in enumerate(np.asarray(grads, dtype=np.float64), start=1):
        state = {**state, **np_step(method, state, g, t, lr, beta, rho, beta1, beta2, eps)}
        states.append(state)
    return states


#: Where each symbol of the general rules is drawn for a check against NumPy: (low, high), or None for normal.
RANGES = {r"\eta": (0.01, 0.5), r"\beta": (0.5, 0.99), r"\rho": (0.5, 0.99), r"\beta_{1}": (0.5, 0.99),
          r"\beta_{2}": (0.9, 0.999), r"\epsilon": (0.01, 0.1), "r_{t-1}": (0.0, 2.0), "s_{t-1}": (0.0, 2.0)}
STATE = {"w_{t-1}": "w", "v_{t-1}": "v", "r_{t-1}": "r", "s_{t-1}": "s", "m_{t-1}": "m"}


@dataclass(frozen=True)
class AgainstNumPy:
    """A general update rule, with the method's definitions written out, equals one step of the NumPy
    implementation at random states, gradients and hyper-parameters (seeded)."""

    method: str
    definitions: Any
    expr: Any = None  # the rule to check, when it is not the step's right side
    points: int = 5

    def run(self, label, lhs, rhs, derivation, seed):
        expr = sp.sympify(rhs if self.expr is None else self.expr).doit()
        for _ in range(8):
            expr = expr.xreplace(dict(self.definitions)).doit()
        symbols = sorted(expr.free_symbols, key=lambda x: x.name)
        function = sp.lambdify(symbols, expr, modules="numpy")
        rng = np.random.default_rng(seed)
        worst = 0.0
        for _ in range(self.points):
            point = {}
            for x in symbols:
                low_high = RANGES.get(x.name)
                if x.name == "t":
                    point[x] = float(rng.integers(1, 6))
                elif self.method == "adam" and x.name == "v_{t-1}":
                    point[x] = rng.uniform(0.0, 2.0)
                else:
                    point[x] = rng.uniform(*low_high) if low_high else rng.normal()
            named = {x.name: v for x, v in point.items()}
            state = {key: named.get(tex, 0.0) for tex, key in STATE.items()}
            hyper = {k: named.get(tex, 0.5) for k, tex in (("lr", r"\eta"), ("beta", r"\beta"), ("rho", r"\rho"),
                                                             ("beta1", r"\beta_{1}"), ("beta2", r"\beta_{2}"),
                                                             ("eps", r"\epsilon"))}
            want = np_step(self.method, state, named.get("g_{t}", 0.0), named.get("t", 1.0), **hyper)["w"]
            got = float(function(*(point[x] for x in symbols)))
            worst = max(worst, abs(got - want) / max(1.0, abs(want)))
        ok = worst <= 1e-9
        return [CheckResult(label, f"NumPy {METHODS[self.method]} step", worst, self.points, seed, ok,
                            "" if ok else f"seed {seed}")]


# --- parameters --------------------------------------------------------------------------------------------------------

def read_params(params):
    method = str(params["method"]).lower()
    if method != "all" and method not in METHODS:
        raise ParameterError(f"parameter method must be all or one of {', '.join(METHODS)}, got {params['method']!r}")
    grads = params["g"] if isinstance(params["g"], list) else [params["g"]]
    if not grads or len(grads) > MAX_STEPS:
        raise ParameterError(f"parameter g: give one gradient, or a list of 1 to {MAX_STEPS} (one per step), "
                             f"got {params['g']!r}")
    grads = [read_number(v, "g" if len(grads) == 1 else f"g[{k + 1}]") for k, v in enumerate(grads)]
    values = {name: read_number(params[name], name) for name in ("w", "lr", "beta", "rho", "beta1", "beta2", "eps")}
    if values["lr"].value <= 0:
        raise ParameterError(f"parameter lr (the learning rate) must be positive, got {params['lr']!r}")
    if values["eps"].value <= 0:
        raise ParameterError(f"parameter eps must be positive, got {params['eps']!r}")
    for name in ("beta", "rho", "beta1", "beta2"):
        if not 0 <= values[name].value < 1:
            raise ParameterError(f"parameter {name} is a decay rate and must lie in [0, 1), got {params[name]!r}")
    return method, grads, values


# --- the derivation ------------------------------------------------------------------------------------------------------

@dataclass
class Section:
    steps: list
    results: dict  # final weight first, then the state after the last step
    checks: dict
    rule: dict  # the symbolic update w_t, a result when one method is asked for
    rule_check: dict
    definitions: dict


def build(**params) -> Derivation:
    params = {**PARAMS, **params}
    method, grads, values = read_params(params)
    chosen = list(METHODS) if method == "all" else [method]
    floats = {k: float(v.value) for k, v in values.items()}
    g_np = [float(v.value) for v in grads]
    sections = {}
    for name in chosen:
        history = np_run(name, floats["w"], g_np, floats["lr"], floats["beta"], floats["rho"], floats["beta1"],
                         floats["beta2"], floats["eps"])
        sections[name] = SECTIONS[name](values, grads, history)
    steps, results, checks, definitions = [], {}, {}, {}
    last = len(grads)
    for name, section in sections.items():
        steps += section.steps
        if method == "all":  # the state names clash between methods: name each final weight by its method
            key = rf"w^{{(\mathrm{{{METHODS[name]}}})}}_{{{last}}}"
            results[key] = section.results[f"w_{{{last}}}"]
            checks[key] = section.checks[f"w_{{{last}}}"]
        else:
            results.update(section.results)
            checks.update(section.checks)
            results.update(section.rule)
            checks.update(section.rule_check)
            definitions.update(section.definitions)
    used = {"w", "lr"} | {key for name in chosen for key in HYPER[name]}
    shown = ", ".join(rf"${symbol_tex} = {values[key].tex}$" for key, symbol_tex in
                      (("w", "w_{0}"), ("lr", r"\eta"), ("beta", r"\beta"), ("rho", r"\rho"), ("beta1", r"\beta_{1}"),
                       ("beta2", r"\beta_{2}"), ("eps", r"\epsilon")) if key in used)
    gradient_text = (rf"the gradient $g_{{1}} = {grads[0].tex}$" if last == 1 else
                     "the gradients " + ", ".join(rf"$g_{{{t}}} = {v.tex}$" for t, v in enumerate(grads, start=1)))
    names = [METHODS[name] for name in chosen]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return Derivation(
        name=NAME,
        title="Optimiser updates: " + listed,
        summary=SUMMARY,
        statement=(
            rf"One parameter $w$ is trained with {listed}. State each update rule, and work "
            rf"{'one step' if last == 1 else f'{last} steps'} from zero state with {shown} and {gradient_text}."
            + (r" The final weights are named by method, e.g. $w^{(\mathrm{Adam})}_{" + str(last) + "}$."
               if method == "all" else "")
        ),
        steps=tuple(steps),
        results=results,
        definitions=definitions,
        assumptions=(
            r"$g_{t}$ is the gradient of the loss at step $t$; every state starts at 0 ($v_{0} = r_{0} = s_{0} = "
            r"m_{0} = 0$); $t$ counts from 1",
            r"momentum as in Sutskever et al. (2013): $v_{t} = \beta v_{t-1} - \eta g_{t}$ (some courses write "
            r"$v_{t} = \beta v_{t-1} + (1-\beta) g_{t}$, $w_{t} = w_{t-1} - \eta v_{t}$, which rescales $\eta$)",
            r"Nesterov: the stored parameter is the look-ahead point, as in PyTorch and Keras",
            r"$\epsilon$ is added outside the square root (Kingma and Ba, 2015), in Adagrad and RMSProp too",
        ),
        params=params,
        result_checks=checks,
    )


def momentum_section(values, grads, history, nesterov=False) -> Section:
    label = "Nesterov" if nesterov else "momentum"
    beta, lr = values["beta"], values["lr"]
    velocity_rule = momentum_velocity(s(r"\beta"), s("v_{t-1}"), s(r"\eta"), s("g_{t}"))
    definitions = {sp.Symbol("v_{t}", real=True): velocity_rule.value}
    rule = nesterov_weight(s("w_{t-1}"), s(r"\beta"), s("v_{t}"), s(r"\eta"), s("g_{t}")) if nesterov else \
        momentum_weight(s("w_{t-1}"), s("v_{t}"))
    steps = [
        Step(sp.Symbol("v_{t}", real=True), written(momentum_velocity(s(r"\beta"), s("v_{t-1}"), s(r"\eta"),
                                                                      s(r"\nabla L\left(\theta_{t-1} + \beta v_{t-1}\right)")
                                                                      if nesterov else s("g_{t}"))),
             f"{label}: definition, the velocity" + (" takes the gradient at the look-ahead point" if nesterov else
                                                      ": a decaying sum of past steps")),
    ]
    if nesterov:
        theta_prev, theta_t, v_prev, v_t, w_prev, g, b, eta = (sp.Symbol(n, real=True) for n in (
            r"\theta_{t-1}", r"\theta_{t}", "v_{t-1}", "v_{t}", "w_{t-1}", "g_{t}", r"\beta", r"\eta"))
        # g_t is the gradient at the look-ahead point theta_{t-1} + beta v_{t-1}, which is w_{t-1}
        lookahead = {theta_t: theta_prev + v_t, v_t: b * v_prev - eta * g, w_prev: theta_prev + b * v_prev}
        steps += [
            Step(theta_t, written(add(s(r"\theta_{t-1}"), s("v_{t}"))),
                 "Nesterov: definition, the step (Sutskever et al., 2013)"),
            Step(sp.Symbol("w_{t}", real=True), written(add(s(r"\theta_{t}"), mul(s(r"\beta"), s("v_{t}")))),
                 "Nesterov: definition, the look-ahead point, which implementations store as the parameter"),
            Step(Written(theta_t + b * v_t, "w_{t}"), written(rule),
                 r"so the update needs only $g_{t} = \nabla L(w_{t-1})$, the gradient at the stored parameter",
                 check=Both((Using(lookahead, Identity()), AgainstNumPy("nesterov", definitions)))),
        ]
    else:
        b, eta = sp.Symbol(r"\beta", real=True), sp.Symbol(r"\eta", real=True)
        gs = [sp.Symbol(f"g_{{{k}}}", real=True) for k in range(1, UNROLLED + 1)]
        v = sp.S.Zero
        for g in gs:
            v = b * v - eta * g
        steps += [
            Step(sp.Symbol("w_{t}", real=True), written(rule), "momentum: definition, the step",
                 check=AgainstNumPy("momentum", definitions)),
            Step(Written(v, "v_{t}"),
                 Written(-eta * sum(b ** (UNROLLED - k) * g for k, g in enumerate(gs, start=1)),
                         r"-\eta \sum_{k=1}^{t} \beta^{t-k} g_{k}"),
                 rf"momentum: unrolled from $v_{{0}} = 0$, an exponentially weighted sum of past gradients "
                 rf"(checked at $t = {UNROLLED}$)", check=Identity()),
        ]
    w, v = values["w"], number(0)
    results, checks = {}, {}
    for t, (g, state) in enumerate(zip(grads, history), start=1):
        at = indexed(t)
        velocity = worked(momentum_velocity(s(r"\beta"), at("v", -1), s(r"\eta"), at("g")),
                          momentum_velocity(beta, v, lr, g))
        if nesterov:
            weight = worked(nesterov_weight(at("w", -1), s(r"\beta"), at("v"), s(r"\eta"), at("g")),
                            nesterov_weight(w, beta, number(velocity.value), lr, g))
        else:
            weight = worked(momentum_weight(at("w", -1), at("v")), momentum_weight(w, number(velocity.value)))
        steps += [
            Step(sp.Symbol(f"v_{{{t}}}", real=True), written(velocity), f"{label}: step {t}",
                 check=Computed(lambda st=state: st["v"], f"NumPy {label}")),
            Step(sp.Symbol(f"w_{{{t}}}", real=True), written(weight), f"{label}: step {t}",
                 check=Computed(lambda st=state: st["w"], f"NumPy {label}")),
        ]
        w, v = number(weight.value), number(velocity.value)
        results = {f"w_{{{t}}}": compact(weight.value), f"v_{{{t}}}": compact(velocity.value)}
        checks = {f"w_{{{t}}}": Computed(lambda st=state: st["w"], f"NumPy {label}"),
                  f"v_{{{t}}}": Computed(lambda st=state: st["v"], f"NumPy {label}")}
    method = "nesterov" if nesterov else "momentum"
    return Section(steps, results, checks, {"w_{t}": rule.value}, {"w_{t}": AgainstNumPy(method, definitions)},
                   definitions)


def nesterov_section(values, grads, history) -> Section:
    return momentum_section(values, grads, history, nesterov=True)


def accumulator_section(values, grads, history, rms: bool) -> Section:
    label, name = ("RMSProp", "s") if rms else ("Adagrad", "r")
    lr, eps, rho = values["lr"], values["eps"], values["rho"]
    acc_prev, acc_t = s(f"{name}_{{t-1}}"), s(f"{name}_{{t}}")
    general_acc = rmsprop_average(s(r"\rho"), acc_prev, s("g_{t}")) if rms else adagrad_accumulator(acc_prev, s("g_{t}"))
    general_w = scaled_step(s("w_{t-1}"), s(r"\eta"), acc_t, s(r"\epsilon"), s("g_{t}"))
    definitions = {acc_t.value: general_acc.value}
    steps = [
        Step(acc_t.value, written(general_acc),
             f"{label}: definition, " + ("a moving average of squared gradients" if rms else
                                         "the sum of squared gradients so far")),
        Step(sp.Symbol("w_{t}", real=True), written(general_w),
             f"{label}: definition, the step, scaled down where gradients have been large",
             check=AgainstNumPy(label.lower(), definitions)),
    ]
    if rms:
        r_, g_ = sp.Symbol(r"\rho", real=True), sp.Symbol("g", real=True)
        acc = sp.S.Zero
        for _ in range(UNROLLED):
            acc = r_ * acc + (1 - r_) * g_**2
        steps.append(Step(Written(acc, "s_{t}"), Written((1 - r_**UNROLLED) * g_**2,
                                                                r"\left(1 - \rho^{t}\right) g^{2}"),
                          rf"RMSProp: for a constant gradient $g$, from $s_{{0}} = 0$: biased toward 0 early on "
                          rf"(checked at $t = {UNROLLED}$)", check=Identity()))
    else:
        gs = [sp.Symbol(f"g_{{{k}}}", real=True) for k in range(1, UNROLLED + 1)]
        steps.append(Step(Written(sum(g**2 for g in gs), "r_{t}"),
                          Written(sp.Add(*(g**2 for g in gs)), r"\sum_{k=1}^{t} g_{k}^{2}"),
                          rf"Adagrad: unrolled from $r_{{0}} = 0$, so the effective rate only decreases "
                          rf"(checked at $t = {UNROLLED}$)", check=Identity()))
    w, acc = values["w"], number(0)
    results, checks = {}, {}
    for t, (g, state) in enumerate(zip(grads, history), start=1):
        at = indexed(t)
        if rms:
            new_acc = worked(rmsprop_average(s(r"\rho"), at(name, -1), at("g")), rmsprop_average(rho, acc, g))
        else:
            new_acc = worked(adagrad_accumulator(at(name, -1), at("g")), adagrad_accumulator(acc, g))
        weight = worked(scaled_step(at("w", -1), s(r"\eta"), at(name), s(r"\epsilon"), at("g")),
                        scaled_step(w, lr, number(new_acc.value), eps, g))
        steps += [
            Step(sp.Symbol(f"{name}_{{{t}}}", real=True), written(new_acc), f"{label}: step {t}",
                 check=Computed(lambda st=state: st[name], f"NumPy {label}")),
            Step(sp.Symbol(f"w_{{{t}}}", real=True), written(weight), f"{label}: step {t}",
                 check=Computed(lambda st=state: st["w"], f"NumPy {label}")),
        ]
        w, acc = number(weight.value), number(new_acc.value)
        results = {f"w_{{{t}}}": compact(weight.value), f"{name}_{{{t}}}": compact(new_acc.value)}
        checks = {f"w_{{{t}}}": Computed(lambda st=state: st["w"], f"NumPy {label}"),
                  f"{name}_{{{t}}}": Computed(lambda st=state: st[name], f"NumPy {label}")}
    return Section(steps, results, checks, {"w_{t}": general_w.value},
                   {"w_{t}": AgainstNumPy(label.lower(), definitions)}, definitions)


def adagrad_section(values, grads, history) -> Section:
    return accumulator_section(values, grads, history, rms=False)


def rmsprop_section(values, grads, history) -> Section:
    return accumulator_section(values, grads, history, rms=True)


def adam_section(values, grads, history) -> Section:
    lr, eps, beta1, beta2 = values["lr"], values["eps"], values["beta1"], values["beta2"]
    t_sym = s("t")
    rules = {
        "m_{t}": adam_first(s(r"\beta_{1}"), s("m_{t-1}"), s("g_{t}")),
        "v_{t}": adam_second(s(r"\beta_{2}"), s("v_{t-1}"), s("g_{t}")),
        r"\hat{m}_{t}": corrected(s("m_{t}"), s(r"\beta_{1}"), t_sym),
        r"\hat{v}_{t}": corrected(s("v_{t}"), s(r"\beta_{2}"), t_sym),
        "w_{t}": adam_weight(s("w_{t-1}"), s(r"\eta"), s(r"\hat{m}_{t}"), s(r"\hat{v}_{t}"), s(r"\epsilon")),
    }
    why = {"m_{t}": "a moving average of gradients (first moment)",
           "v_{t}": "a moving average of squared gradients (second moment)",
           r"\hat{m}_{t}": "bias correction: the averages start at 0",
           r"\hat{v}_{t}": "bias correction", "w_{t}": r"the step, with $\epsilon$ outside the root"}
    definitions = {sp.Symbol(key, real=True): rule.value for key, rule in rules.items() if key != "w_{t}"}
    steps = [Step(sp.Symbol(key, real=True), written(rule), f"Adam: definition, {why[key]}",
                  check=AgainstNumPy("adam", definitions) if key == "w_{t}" else None) for key, rule in rules.items()]
    b1, g_, eta, w0, e = (sp.Symbol(n, real=True) for n in (r"\beta_{1}", "g", r"\eta", "w_{0}", r"\epsilon"))
    m = sp.S.Zero
    for _ in range(UNROLLED):
        m = b1 * m + (1 - b1) * g_
    g1, b2 = sp.Symbol("g_{1}", real=True), sp.Symbol(r"\beta_{2}", real=True)
    first = w0 - eta * ((1 - b1) * g1 / (1 - b1)) / (sp.sqrt((1 - b2) * g1**2 / (1 - b2)) + e)  # Adam at t = 1
    steps += [
        Step(Written(m / (1 - b1**UNROLLED), r"\hat{m}_{t}"), Written(g_, "g"),
             rf"Adam: for a constant gradient $g$, $m_{{t}} = (1 - \beta_{{1}}^{{t}}) g$ from $m_{{0}} = 0$, so the "
             rf"correction gives back $g$ (checked at $t = {UNROLLED}$)", check=Identity()),
        Step(Written(first, "w_{1}"), Written(w0 - eta * g1 / (sp.Abs(g1) + e),
                                                    r"w_{0} - \eta \frac{g_{1}}{\left|g_{1}\right| + \epsilon}"),
             r"Adam: the first step has size about $\eta$ whatever the gradient's scale", check=Identity()),
    ]
    w, m_prev, v_prev = values["w"], number(0), number(0)
    results, checks = {}, {}
    for t, (g, state) in enumerate(zip(grads, history), start=1):
        tw, at = number(t), indexed(t)
        m_t = worked(adam_first(s(r"\beta_{1}"), at("m", -1), at("g")), adam_first(beta1, m_prev, g))
        v_t = worked(adam_second(s(r"\beta_{2}"), at("v", -1), at("g")), adam_second(beta2, v_prev, g))
        m_hat = worked(corrected(at("m"), s(r"\beta_{1}"), tw), corrected(number(m_t.value), beta1, tw))
        v_hat = worked(corrected(at("v"), s(r"\beta_{2}"), tw), corrected(number(v_t.value), beta2, tw))
        weight = worked(adam_weight(at("w", -1), s(r"\eta"), at(r"\hat{m}"), at(r"\hat{v}"), s(r"\epsilon")),
                        adam_weight(w, lr, number(m_hat.value), number(v_hat.value), eps))
        row = {"m": m_t, "v": v_t, "m_hat": m_hat, "v_hat": v_hat, "w": weight}
        names = {"m": f"m_{{{t}}}", "v": f"v_{{{t}}}", "m_hat": rf"\hat{{m}}_{{{t}}}", "v_hat": rf"\hat{{v}}_{{{t}}}",
                 "w": f"w_{{{t}}}"}
        for key in ("m", "v", "m_hat", "v_hat", "w"):
            steps.append(Step(sp.Symbol(names[key], real=True), written(row[key]), f"Adam: step {t}",
                              check=Computed(lambda st=state, key=key: st[key], "NumPy Adam")))
        w, m_prev, v_prev = number(weight.value), number(m_t.value), number(v_t.value)
        results = {names[key]: compact(row[key].value) for key in ("w", "m", "v", "m_hat", "v_hat")}
        checks = {names[key]: Computed(lambda st=state, key=key: st[key], "NumPy Adam")
                  for key in ("w", "m", "v", "m_hat", "v_hat")}
    return Section(steps, results, checks, {"w_{t}": rules["w_{t}"].value},
                   {"w_{t}": AgainstNumPy("adam", definitions)}, definitions)


@dataclass(frozen=True)
class Using:
    """A check run with more definitions than the derivation's (relations that hold within one section)."""

    definitions: Any
    check: Any

    def run(self, label, lhs, rhs, derivation, seed):
        extended = replace(derivation, definitions={**derivation.definitions, **self.definitions})
        return self.check.run(label, lhs, rhs, extended, seed)


@dataclass(frozen=True)
class Both:
    """Several checks of one step."""

    checks: tuple

    def run(self, label, lhs, rhs, derivation, seed):
        return [r for check in self.checks for r in check.run(label, lhs, rhs, derivation, seed)]


def indexed(t: int):
    """Names at step t: ``at("v", -1)`` is ``v_{t-1}`` written with the number."""
    return lambda name, shift=0: s(f"{name}_{{{t + shift}}}")


SECTIONS = {"momentum": momentum_section, "nesterov": nesterov_section, "adagrad": adagrad_section,
            "rmsprop": rmsprop_section, "adam": adam_section}


def compact(value):
    """The exact value, or 15 significant digits of it when the exact form is too long to read."""
    if len(sp.latex(value)) <= LONGEST_EXACT:
        return value
    return sp.Float(sp.N(value, 30), 15)
