"""What the consoles call queues, desks and priority classes: the configured names, never ids."""

from __future__ import annotations

from queue_core.commands import ToDesk, TransferTarget
from queue_core.config import ClinicConfig
from queue_tui.i18n import Lang, localized, t


def queue_name(config: ClinicConfig, queue_id: str, lang: Lang) -> str:
    queue = config.queue(queue_id)
    return localized(queue, lang) if queue else queue_id


def desk_name(config: ClinicConfig, desk_id: str, lang: Lang) -> str:
    desk = config.desk(desk_id)
    return localized(desk, lang) if desk else desk_id


def priority_name(config: ClinicConfig, class_id: str | None, lang: Lang) -> str:
    if class_id is None:
        return t(lang, "priority.clear")
    cls = config.priority(class_id)
    return localized(cls, lang) if cls else class_id


def target_name(config: ClinicConfig, target: TransferTarget, lang: Lang) -> str:
    if isinstance(target, ToDesk):
        return desk_name(config, target.id, lang)
    return queue_name(config, target.id, lang)
