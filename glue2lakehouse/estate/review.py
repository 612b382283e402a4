"""What a Glue change did to the generated bundle jobs, in words for the sync message and its reviewer.

Compares Glue's previous and new version of each ``resources/*.job.yml`` (both from the
snapshots, so the Databricks team's edits never show here): schedules, task parameters,
tasks, clusters and libraries.
"""

from __future__ import annotations


def _load(text: str | None) -> dict:
    if not text:
        return {}
    from glue2lakehouse.estate import yamlout

    try:   # a generated file as the emitter wrote it: read by its own reader
        document = yamlout.load(text) or {}
    except (ValueError, RecursionError):   # any other YAML
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            document = YAML(typ="safe", pure=True).load(text) or {}
        except YAMLError:
            return {}
    jobs = (document.get("resources") or {}).get("jobs") or {} if isinstance(document, dict) else {}
    return jobs if isinstance(jobs, dict) else {}


def _parameters(task: dict) -> dict[str, str]:
    values = ((task.get("spark_python_task") or {}).get("parameters") or [])
    return {str(values[i]): str(values[i + 1]) for i in range(0, len(values) - 1, 2)
            if str(values[i]).startswith("--")}


def _schedule(job: dict) -> str | None:
    schedule = job.get("schedule") or {}
    if not schedule:
        return None
    return f"{schedule.get('quartz_cron_expression')} {schedule.get('timezone_id', '')}".strip() + \
        (" (paused)" if schedule.get("pause_status") == "PAUSED" else "")


def describe(path: str, old_text: str | None, new_text: str | None) -> list[str]:
    """One line per change of meaning between two versions of a generated job file."""
    old, new = _load(old_text), _load(new_text)
    lines = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if not isinstance(before, dict) and isinstance(after, dict):
            lines.append(f"{path}: new job {key}, schedule {_schedule(after) or 'none'}")
            continue
        if isinstance(before, dict) and not isinstance(after, dict):
            lines.append(f"{path}: job {key} removed")
            continue
        if not isinstance(before, dict):
            continue
        if _schedule(before) != _schedule(after):
            lines.append(f"{path}: schedule {_schedule(before) or 'none'} -> {_schedule(after) or 'none'}")
        old_tasks = {t.get("task_key"): t for t in before.get("tasks") or [] if isinstance(t, dict)}
        new_tasks = {t.get("task_key"): t for t in after.get("tasks") or [] if isinstance(t, dict)}
        for task in sorted(set(new_tasks) - set(old_tasks), key=str):
            lines.append(f"{path}: task {task} added")
        for task in sorted(set(old_tasks) - set(new_tasks), key=str):
            lines.append(f"{path}: task {task} removed")
        for task in sorted(set(old_tasks) & set(new_tasks), key=str):
            was, now = _parameters(old_tasks[task]), _parameters(new_tasks[task])
            for name in sorted(set(was) | set(now)):
                if name not in was:
                    lines.append(f"{path}: task {task} argument {name} = {now[name]!r} added")
                elif name not in now:
                    lines.append(f"{path}: task {task} argument {name} removed")
                elif was[name] != now[name]:
                    lines.append(f"{path}: task {task} argument {name} {was[name]!r} -> {now[name]!r}")
            for field in ("depends_on", "run_if", "libraries", "max_retries", "timeout_seconds"):
                if old_tasks[task].get(field) != new_tasks[task].get(field):
                    lines.append(f"{path}: task {task} {field} changed")
        old_clusters = {c.get("job_cluster_key"): c.get("new_cluster") for c in before.get("job_clusters") or []
                        if isinstance(c, dict)}
        new_clusters = {c.get("job_cluster_key"): c.get("new_cluster") for c in after.get("job_clusters") or []
                        if isinstance(c, dict)}
        for cluster in sorted(set(old_clusters) & set(new_clusters), key=str):
            for field in ("node_type_id", "num_workers", "autoscale", "spark_version", "spark_conf"):
                was = (old_clusters[cluster] or {}).get(field)
                now = (new_clusters[cluster] or {}).get(field)
                if was != now:
                    lines.append(f"{path}: cluster {cluster} {field} {was!r} -> {now!r}")
    return lines
