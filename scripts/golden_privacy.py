#!/usr/bin/env python3
"""Golden privacy values from Google's dp_accounting 0.6 for FedRecPrivacy's tests.

Offline helper only: building and testing FedRec never runs Python. Regenerate with

    python3 -m venv /tmp/dpvenv && /tmp/dpvenv/bin/pip install dp-accounting==0.6.0
    /tmp/dpvenv/bin/python scripts/golden_privacy.py > Tests/FedRecPrivacyTests/Fixtures/dp_accounting_golden.json

Every value is the epsilon (or noise multiplier) dp_accounting reports for the Poisson-subsampled
Gaussian mechanism under add/remove-one adjacency:
  * RDP: RdpAccountant() with its default orders, compose(PoissonSampledDpEvent(q, GaussianDpEvent(z)), T).
  * PLD: PLDAccountant(value_discretization_interval=1e-4), same event.
  * rdp_log_a_integer: log A_alpha at integer orders (_compute_log_a_int), the exact binomial sum of
    Mironov, Talwar & Zhang 2019, for checking our integer-order terms exactly.
  * rdp_log_a_fractional: log A_alpha at fractional orders by 40-digit adaptive quadrature (mpmath) of
    A_alpha = E_{x~N(0,z^2)}[((1-q) + q exp((2x-1)/(2z^2)))^alpha], next to dp_accounting's series value
    (_compute_log_a_frac), which can overstate A_alpha or fail to converge (then it is inf).
PLD cases whose discretized grid does not fit in memory or time in Python are run in a child process with a
time limit and are recorded as skipped (with the reason) rather than dropped silently.
Timings are wall-clock seconds on the machine that generated the file (recorded for the speed report).
"""
import json
import math
import multiprocessing as mp
import platform
import resource
import sys
import time

import dp_accounting
import mpmath
from dp_accounting import dp_event, mechanism_calibration
from dp_accounting.pld import pld_privacy_accountant
from dp_accounting.rdp import rdp_privacy_accountant as rdp

QS = [1e-3, 1e-2, 0.1, 1.0]
ZS = [0.5, 1.0, 2.0, 5.0]
TS = [1, 100, 1000, 10000]
DELTAS = [1e-5, 1e-6]
PLD_INTERVAL = 1e-4
PLD_TIME_LIMIT = 120  # seconds per (q, z, T) case
PLD_MEMORY_LIMIT = 6 << 30  # bytes of address space per case


def event(q, z, t):
    if q == 1.0:
        inner = dp_event.GaussianDpEvent(z)
    else:
        inner = dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(z))
    return dp_event.SelfComposedDpEvent(inner, t)


def rdp_case(q, z, t):
    start = time.perf_counter()
    acc = rdp.RdpAccountant()
    acc.compose(event(q, z, t))
    eps = {str(d): acc.get_epsilon(d) for d in DELTAS}
    return eps, time.perf_counter() - start


def _pld_child(q, z, t, conn):
    resource.setrlimit(resource.RLIMIT_AS, (PLD_MEMORY_LIMIT, PLD_MEMORY_LIMIT))
    try:
        start = time.perf_counter()
        acc = pld_privacy_accountant.PLDAccountant(value_discretization_interval=PLD_INTERVAL)
        acc.compose(event(q, z, t))
        composed = time.perf_counter() - start
        eps = {str(d): acc.get_epsilon(d) for d in DELTAS}
        conn.send(("ok", eps, composed, time.perf_counter() - start))
    except MemoryError:
        conn.send(("skipped", "out of memory (grid too large for a 1e-4 interval)", None, None))
    except Exception as e:  # noqa: BLE001 - recorded in the fixture
        conn.send(("skipped", f"{type(e).__name__}: {e}", None, None))


def pld_case(q, z, t):
    parent, child = mp.Pipe()
    p = mp.Process(target=_pld_child, args=(q, z, t, child))
    p.start()
    if parent.poll(PLD_TIME_LIMIT):
        result = parent.recv()
        p.join()
        return result
    p.kill()
    p.join()
    return ("skipped", f"took longer than {PLD_TIME_LIMIT} s", None, None)


def calibration_case(accountant, eps, delta, q, t):
    def fresh():
        if accountant == "rdp":
            return rdp.RdpAccountant()
        return pld_privacy_accountant.PLDAccountant(value_discretization_interval=PLD_INTERVAL)

    start = time.perf_counter()
    z = mechanism_calibration.calibrate_dp_mechanism(
        fresh, lambda z: event(q, z, t), eps, delta,
        mechanism_calibration.LowerEndpointAndGuess(0.0, 1.0), tol=1e-5)
    elapsed = time.perf_counter() - start
    acc = fresh()
    acc.compose(event(q, z, t))
    return {"accountant": accountant, "target_epsilon": eps, "delta": delta, "q": q, "steps": t,
            "noise_multiplier": z, "epsilon_at_noise_multiplier": acc.get_epsilon(delta),
            "seconds": elapsed}


def finite_or_none(value):
    """JSON has no infinity: non-finite numbers (a diverged series) are written as null."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main():
    cases = []
    for q in QS:
        for z in ZS:
            for t in TS:
                rdp_eps, rdp_s = rdp_case(q, z, t)
                status, pld_eps, pld_compose_s, pld_s = pld_case(q, z, t)
                case = {"q": q, "z": z, "steps": t, "rdp_epsilon": rdp_eps, "rdp_seconds": rdp_s}
                if status == "ok":
                    case.update({"pld_epsilon": pld_eps, "pld_seconds": pld_s,
                                 "pld_compose_seconds": pld_compose_s})
                else:
                    case["pld_skipped"] = pld_eps
                cases.append(case)
                print(f"q={q} z={z} T={t}: rdp {rdp_eps} ({rdp_s:.3f}s) pld {status} {pld_eps} {pld_s}",
                      file=sys.stderr, flush=True)

    log_a = []
    for q in [1e-3, 1e-2, 0.1, 0.5]:
        for z in [0.5, 1.0, 2.0, 5.0]:
            for alpha in [2, 3, 5, 8, 16, 32, 63, 128, 256]:
                log_a.append({"q": q, "z": z, "order": alpha,
                              "log_a": rdp._compute_log_a_int(q, z, alpha)})

    mpmath.mp.dps = 40
    log_a_frac = []
    for q in [1e-3, 1e-2, 0.1, 0.5]:
        for z in [0.5, 1.0, 2.0, 5.0]:
            for alpha in [1.1, 1.5, 2.5, 3.3, 4.5, 7.7, 10.9]:
                qm, zm, am = mpmath.mpf(q), mpmath.mpf(z), mpmath.mpf(alpha)
                f = lambda x: mpmath.npdf(x, 0, zm) * ((1 - qm) + qm * mpmath.e ** ((2 * x - 1) / (2 * zm * zm))) ** am
                value = mpmath.log(mpmath.quad(f, [-mpmath.inf, -10 * zm, 0, 0.5, am / 2, am, am + 10 * zm, mpmath.inf]))
                log_a_frac.append({"q": q, "z": z, "order": alpha, "log_a": float(value),
                                   "dp_accounting_series": float(rdp._compute_log_a_frac(q, z, alpha))})

    calibrations = []
    for (eps, delta, q, t) in [(1.0, 1e-5, 0.01, 1000), (3.0, 1e-5, 1e-3, 10000), (8.0, 1e-6, 0.1, 100),
                               (0.5, 1e-5, 1.0, 1), (2.0, 1e-5, 0.01, 10000)]:
        for accountant in ["rdp", "pld"]:
            c = calibration_case(accountant, eps, delta, q, t)
            calibrations.append(c)
            print(c, file=sys.stderr, flush=True)

    json.dump(finite_or_none({
        "source": "dp_accounting " + getattr(dp_accounting, "__version__", "0.6.0")
                  + " (pip install dp-accounting==0.6.0), generated by scripts/golden_privacy.py",
        "python": platform.python_version(),
        "pld_value_discretization_interval": PLD_INTERVAL,
        "deltas": DELTAS,
        "cases": cases,
        "rdp_log_a_integer": log_a,
        "rdp_log_a_fractional": log_a_frac,
        "calibrations": calibrations,
    }), sys.stdout, indent=1, allow_nan=False)
    print()


if __name__ == "__main__":
    main()
