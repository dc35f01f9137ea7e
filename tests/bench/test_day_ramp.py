"""The simulated day's decisions (bench/day): the mix, when a step is held, how the ramp moves on,
and what the report concludes — the pieces whose mistakes would make the day's figures wrong."""
import pytest

from bench.day import mix, ramp, report
from bench.day.ramp import KindFigures


def figures(**kinds):
    out = {}
    for name, (n, p95, errors) in kinds.items():
        out[name] = KindFigures(n=n, p95_ms=p95, errors=errors, offered_per_s=1.0, sent_per_s=1.0,
                                error_kinds={"HTTP 500": errors} if errors else {})
    return out


def test_the_mix_scales_with_the_workers_and_keeps_a_floor_for_rare_kinds():
    small, large = mix.rates(350), mix.rates(3500)
    # a batch of points every 30 s per worker
    assert small["points"] == pytest.approx(350 / 30)
    assert large["points"] == pytest.approx(10 * small["points"])
    # a leader's dashboard is rare: the floor gives it a p95 at every step
    assert small["dashboard"] == mix.FLOOR_PER_S
    assert set(small) == set(mix.KIND_NAMES)
    # the city's patrol batches: 20,000 workers every 30 s
    assert mix.rates(20_000)["points"] == pytest.approx(666.7, rel=1e-3)
    assert mix.people(350) == {"worker": 350, "dispatcher": 10, "handler": 7, "leader": 4}


def test_a_step_is_held_when_every_kind_is_fast_and_nothing_failed():
    verdict = ramp.judge(figures(points=(500, 120.0, 0), home=(40, 290.0, 0)))
    assert verdict.held and verdict.reasons == []


def test_a_slow_kind_or_any_error_breaks_the_step_and_errors_are_named_first():
    verdict = ramp.judge(figures(points=(500, 120.0, 0), home=(40, 410.0, 0), report_photo=(30, 250.0, 2)))
    assert not verdict.held
    assert verdict.reasons[0] == "report_photo: 2 errors (HTTP 500 ×2)"
    assert verdict.reasons[1] == "home: p95 410 ms > 300 ms"


def test_a_kind_with_too_few_answers_is_not_judged_on_its_p95_but_its_errors_count():
    assert ramp.judge(figures(dashboard=(ramp.MIN_SAMPLES - 1, 900.0, 0))).held
    assert not ramp.judge(figures(dashboard=(3, 100.0, 1))).held


def test_a_generator_that_fell_behind_or_requests_left_unanswered_break_the_step():
    behind = figures(points=(500, 100.0, 0))
    behind["points"].sent_per_s = 0.5
    assert "sent only 0.5/s of 1.0/s offered" in ramp.judge(behind).reasons[0]
    assert "3 requests still unanswered" in ramp.judge(figures(points=(500, 100.0, 0)), unanswered=3).reasons[0]


def test_the_ramp_grows_by_half_in_readable_steps_and_the_largest_held_step_wins():
    assert [ramp.next_workers(n) for n in (1, 10, 350, 525, 790)] == [2, 15, 520, 790, 1200]
    steps = [{"workers": 350, "held": True}, {"workers": 520, "held": True}, {"workers": 790, "held": False}]
    assert ramp.largest_held(steps)["workers"] == 520
    assert ramp.first_broken(steps)["workers"] == 790
    assert ramp.largest_held([{"workers": 350, "held": False}]) is None


def step(workers, web, worker, db, held=True):
    return {"workers": workers, "seconds": 300, "held": held, "reasons": [] if held else ["points: p95 400 ms > 300 ms"],
            "cpu_cores": {"web": web, "worker": worker, "db": db, "loadgen": 0.2}}


def test_the_report_gives_headroom_and_sizes_the_city_from_the_cpu_measured():
    held, broken = step(3500, web=1.0, worker=0.05, db=0.35), step(5200, 1.3, 0.05, 0.45, held=False)
    summary = report.summary(held, broken, host_cores=2)
    assert summary["dongcheng_headroom"] == 10.0
    assert summary["city_headroom"] == pytest.approx(0.175)
    city = summary["city"]
    # 1.0 core of web for 3,500 workers → 5.71 cores for 20,000; at 70 % of 2-core hosts: 5 hosts
    assert city["cores_needed"]["web"] == pytest.approx(5.71, abs=0.01)
    assert city["stops"] == "web" and city["web_hosts"] == 5 and city["worker_hosts"] == 1
    assert city["db_cores"] == 3 and not city["holds_on_one_machine"]
    # the server side spent 1.4 cores for 3,500 workers: 2 cores at 70 % carry 3,500
    assert summary["cpu_bound_workers"] == 3500
    text = " ".join(report.lines({"summary": summary, "host_cores": 2}))
    assert "10.0× Dongcheng" in text and "web (gunicorn) stops it first" in text and "points: p95 400 ms" in text


def test_with_nothing_held_the_report_says_so_and_sizes_from_the_first_step_flagged():
    first = step(100, web=0.2, worker=0.01, db=0.05, held=False)
    summary = report.summary(None, first, host_cores=2, measured=first)
    assert summary["held_workers"] == 0 and summary["dongcheng_headroom"] == 0.0
    assert summary["sized_from"] == "not confirmed step of 100 workers"
    assert "not confirmed" in " ".join(report.lines({"summary": summary, "host_cores": 2}))


def test_a_step_where_the_rare_kinds_floor_weighs_makes_the_estimate_a_lower_bound():
    small = step(100, web=0.14, worker=0.004, db=0.08)
    small["kinds"] = {name: {"offered_per_s": rate} for name, rate in mix.rates(100).items()}
    summary = report.summary(small, None, host_cores=2)
    assert summary["floor_share"] > 0.1
    assert "lower bound" in " ".join(report.lines({"summary": summary, "host_cores": 2}))
    large = step(5000, web=1.0, worker=0.05, db=0.3)
    large["kinds"] = {name: {"offered_per_s": rate} for name, rate in mix.rates(5000).items()}
    assert report.summary(large, None, host_cores=2)["floor_share"] < 0.1


def test_celery_is_sized_from_its_cpu_over_the_whole_run_not_one_step():
    held = step(3500, web=1.0, worker=0.4, db=0.35)  # a step that happened to hold a sweep tick
    summary = report.summary(held, None, host_cores=2, worker_cores=0.035)
    assert summary["city"]["cores_needed"]["worker"] == pytest.approx(0.2)
