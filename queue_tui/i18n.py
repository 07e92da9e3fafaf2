"""What the consoles say, in Chinese (the default, for the nurses) and English (second language)."""

from __future__ import annotations

from typing import Literal, Protocol

from queue_core.errors import QueueError

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"


class Named(Protocol):
    """Anything the configuration names in both languages: queues, desks, priority classes."""

    @property
    def name(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def localized(named: Named, lang: Lang) -> str:
    return named.name if lang == "zh" else named.name_en


_CATALOGUE: dict[str, tuple[str, str]] = {
    # logging in to a queue server
    "login.title": ("登录排队服务器 {server}", "Log in to the queue server {server}"),
    "login.user": ("用户名", "User"),
    "login.password": ("密码", "Password"),
    "login.connecting": ("连接中…", "Connecting…"),
    "login.failed": ("无法登录：{why}", "Could not log in: {why}"),
    # header
    "header.room": ("{room}诊室", "Room {room}"),
    "header.queues": ("队列 {queues}", "Queues {queues}"),
    "header.paused": ("停诊中", "PAUSED"),
    "header.open": ("接诊中", "open"),
    "header.live": ("● 实时", "● live"),
    "header.backlog": (
        "待发通知 {count} 条，最早 {minutes} 分钟前",
        "notifications waiting: {count}, oldest {minutes} min",
    ),
    "header.stale": ("✖ 数据未更新 {seconds}秒", "✖ STALE {seconds}s"),
    "header.connecting": ("… 连接中", "… connecting"),
    "link.reconnecting": (
        "✖ 连接中断，{seconds}秒后重连：{why}",
        "✖ reconnecting in {seconds}s: {why}",
    ),
    "link.offline": ("✖ 未连接：{why}", "✖ offline: {why}"),
    "error.offline": ("未连接叫号服务器：{why}", "Not connected to the queue server: {why}"),
    "unseen.no_server": ("⚠ 叫号屏服务未运行", "⚠ no display server"),
    "unseen.no_screen": ("⚠ 没有屏幕显示本诊室", "⚠ no screen shows this room"),
    "unseen.no_receipt": ("⚠ {seconds}秒无屏幕播报", "⚠ not announced for {seconds}s"),
    "header.fault": ("✖ 数据库文件故障，请联系管理员", "✖ DATABASE FILE FAULT"),
    "header.away": ("✖ 无法连接数据库，正在重试", "✖ DATABASE AWAY, RETRYING"),
    "triage.title": ("分诊台 · {clinic}", "Triage desk · {clinic}"),
    # current patient
    "current.title": ("当前患者", "Now serving"),
    "current.none": ("暂无患者，按 n 叫号", "No patient called; press n"),
    "current.waited": ("已候诊 {minutes} 分钟", "waited {minutes} min"),
    "current.recalls": ("重呼 {count} 次", "recalled {count}×"),
    "current.receipts": ("已在 {count} 块屏幕播报", "shown on {count} screen(s)"),
    # Some screens showed the call but could not say it (sound blocked, no voice): not heard.
    "current.unspoken": (
        "已播报 {spoken} 屏 · {unspoken} 屏仅显示",
        "spoken on {spoken} screen(s) · shown only on {unspoken}",
    ),
    "presence.on_my_way": ("患者：正在赶来", "patient: on the way"),
    "presence.here": ("患者：已到", "patient: here"),
    # lists
    "list.waiting": ("候诊 {count}", "Waiting {count}"),
    "list.missed": ("过号 {count}", "Missed {count}"),
    "list.away": ("检查中 {count}", "Away for tests {count}"),
    "col.pos": ("序", "#"),
    "col.number": ("号码", "Number"),
    "col.name": ("姓名", "Name"),
    "col.reason": ("排序依据", "Why here"),
    "col.wait": ("已等", "Waited"),
    "col.eta": ("预计叫号", "Called in"),
    "eta.range": ("{lo}–{hi} 分钟", "{lo}–{hi} min"),
    "eta.soon": ("{hi} 分钟内", "< {hi} min"),
    "col.queue": ("队列", "Queue"),
    "col.state": ("状态", "State"),
    "col.phone": ("手机尾号", "Phone"),
    "minutes": ("{minutes}分", "{minutes}m"),
    # placement reasons
    "placement.walk_in": ("现场挂号", "walk-in"),
    "placement.appointment": ("预约 {slot}", "appointment {slot}"),
    "placement.late_appointment": ("预约迟到", "late appointment"),
    "placement.requeued": ("过号重排", "requeued after missed"),
    "placement.returned": ("检后回诊", "back from tests"),
    "placement.transferred": ("转诊", "transferred"),
    "placement.priority": ("优先·{cls}", "priority · {cls}"),
    "reason.pinned": ("指定本诊室", "pinned here"),
    # ticket states
    "state.registered": ("未签到", "not checked in"),
    "state.waiting": ("候诊", "waiting"),
    "state.called": ("已叫号", "called"),
    "state.missed": ("过号", "missed"),
    "state.away": ("检查中", "away"),
    "state.done": ("已完成", "done"),
    "state.cancelled": ("已取消", "cancelled"),
    # keys (ids from bindings.py)
    "key.call_next": ("叫号", "Call next"),
    "key.recall": ("重呼", "Recall"),
    "key.skip": ("过号", "Skip"),
    "key.requeue": ("过号重排", "Requeue"),
    "key.finish": ("完成", "Finish"),
    "key.send_away": ("去检查", "Send for tests"),
    "key.come_back": ("检后回诊", "Back from tests"),
    "key.transfer": ("转诊", "Transfer"),
    "key.call_ticket": ("指定叫号", "Call out of turn"),
    "key.pause": ("停诊/开诊", "Pause/resume"),
    "key.correct": ("更正", "Correct"),
    "key.search": ("查找", "Search"),
    "key.next_list": ("切换列表", "Next list"),
    "key.language": ("English", "中文"),
    "key.help": ("帮助", "Help"),
    "key.quit": ("退出", "Quit"),
    "key.refresh_report": ("刷新", "Refresh"),
    # the report screen
    "report.title": ("门诊报表", "Clinic report"),
    "report.loading": ("正在统计…", "Counting…"),
    "report.fairness": (
        "公平性：{overtakes} 次后到先叫，{flagged} 次无规则可解释",
        "Fairness: {overtakes} overtakes, {flagged} that no rule explains",
    ),
    "key.issue": ("发号", "Issue ticket"),
    "key.find": ("查找患者", "Find patient"),
    "key.check_in": ("签到", "Check in"),
    "key.priority": ("标记优先", "Mark priority"),
    "key.cancel": ("取消号", "Cancel ticket"),
    "key.uncancel": ("撤销取消", "Uncancel"),
    "key.print": ("打印", "Print"),
    # notifications
    "done.call": (
        "请 {number} 号 {name} 到 {room} 诊室就诊",
        "{number} {name}, please go to room {room}",
    ),
    "done.call_after": (
        "{finished} 就诊结束 · 请 {number} 号 {name} 到 {room} 诊室就诊",
        "{finished} finished · {number} {name}, please go to room {room}",
    ),
    "done.recall": ("已重呼 {number}", "{number} recalled"),
    "done.skip": ("{number} 已过号", "{number} moved to the missed list"),
    "done.requeue": ("{number} 已重新排队", "{number} back in the line"),
    "done.finish": ("{number} 就诊完成", "{number} finished"),
    "done.away": ("{number} 去检查", "{number} sent for tests"),
    "done.back": ("{number} 检后回诊，已排队", "{number} back from tests, in the line"),
    "done.transfer": ("{number} 已转至 {to}", "{number} transferred to {to}"),
    "done.reopen": (
        "{number} 重新接诊，回到 {room} 诊室",
        "{number}: visit reopened in room {room}",
    ),
    "done.uncancel.waiting": (
        "{number} 已撤销取消，回到候诊原位",
        "{number}: cancel taken back, back at their place in the line",
    ),
    "done.uncancel.missed": (
        "{number} 已撤销取消，在过号列表（按 q 重排）",
        "{number}: cancel taken back, on the missed list (q requeues)",
    ),
    "done.uncancel.away": (
        "{number} 已撤销取消，仍在检查中",
        "{number}: cancel taken back, away for tests",
    ),
    "done.uncancel.registered": (
        "{number} 已撤销取消，预约待签到",
        "{number}: cancel taken back, appointment not checked in",
    ),
    "done.undo_away.room": (
        "{number} 已撤销去检查，回到诊室",
        "{number}: not away after all, in the room",
    ),
    "done.undo_away.line": (
        "{number} 已撤销去检查，回到候诊原位",
        "{number}: not away after all, back at their place in the line",
    ),
    "done.pause": ("已停诊", "Desk paused"),
    "done.resume": ("已开诊", "Desk open again"),
    "done.priority": ("{number} 优先：{cls}", "{number} priority: {cls}"),
    "done.cancel": ("{number} 已取消", "{number} cancelled"),
    "print.saved": ("凭条已保存为文件 {path}", "Slip saved to {path}"),
    "print.not_saved": ("凭条文件未能保存：{why}", "Slip file not saved: {why}"),
    "print.sent": ("已送打印机 {printer}", "Sent to printer {printer}"),
    "print.failed": ("打印失败（{printer}：{why}）", "Printing failed ({printer}: {why})"),
    "print.separator": ("；", "; "),
    "none.missed": ("没有选中的过号患者", "No missed patient selected"),
    "none.away": ("没有选中的检查中患者", "No patient away for tests selected"),
    "none.selected": ("没有选中的患者", "No patient selected"),
    "none.found": ("没有找到 {text}", "Nothing found for {text}"),
    "found.elsewhere": ("{number} {state}（{queue}）", "{number} is {state} ({queue})"),
    "refused": ("操作被拒绝", "Refused"),
    # dialogs
    "confirm.skip": ("{number} 未到，过号？", "{number} did not come: skip to missed?"),
    "confirm.call_again": (
        "{number} 刚刚叫号。结束 {number} 并叫下一位？",
        "{number} was called a moment ago. Finish {number} and call the next patient?",
    ),
    "confirm.yes": ("确定 (y / Enter)", "Yes (y / Enter)"),
    "confirm.no": ("返回 (Esc)", "Back (Esc)"),
    "reason.call": (
        "指定叫号 {number}：请填写原因（将被记录）",
        "Call {number} out of turn: reason (it is recorded)",
    ),
    "reason.cancel": ("取消 {number}：请填写原因", "Cancel {number}: reason"),
    "reason.placeholder": ("原因", "reason"),
    "reason.required": ("必须填写原因", "A reason is required"),
    "reason.ok": ("确定 (Enter)", "OK (Enter)"),
    "reason.back": ("返回 (Esc)", "Back (Esc)"),
    "correct.title": ("更正（需填写原因，将被记录）：", "Correct a mistake (reason recorded):"),
    "correct.reopen": ("恢复刚结束的就诊（回到本诊室）", "Reopen the visit just finished here"),
    "correct.undo_away": ("撤销 {number} 去检查", "Take back sending {number} for tests"),
    "correct.uncancel": ("撤销取消（输入号码）", "Take back a cancel (type the number)"),
    "correct.which": ("要撤销取消的号码", "Number of the cancelled ticket"),
    "reason.reopen": ("恢复就诊：请填写原因", "Reopen the visit: reason"),
    "reason.undo_away": ("撤销 {number} 去检查：请填写原因", "Take back {number}'s tests: reason"),
    "reason.uncancel": (
        "撤销 {number} 的取消：请填写原因",
        "Take back cancelling {number}: reason",
    ),
    "transfer.title": ("转诊 {number} 至：", "Transfer {number} to:"),
    "transfer.queue": ("队列 {name}", "queue {name}"),
    "transfer.desk": ("诊室 {name}（{room}诊室）", "desk {name} (room {room})"),
    "priority.title": ("{number} 的优先类别：", "Priority class for {number}:"),
    "priority.clear": ("不优先", "no priority"),
    "search.title": ("查找号码或姓名", "Find a number or name"),
    "help.title": ("按键说明", "Keys"),
    # triage
    "triage.issue": ("现场发号", "Walk-in ticket"),
    "triage.queue": ("队列", "Queue"),
    "triage.name": ("姓名", "Name"),
    "triage.phone": ("手机号（可选）", "Phone (optional)"),
    "triage.priority": ("优先类别（可选）", "Priority (optional)"),
    "triage.desk": ("指定诊室（专家号，可选）", "Desk (specialist, optional)"),
    "triage.find": (
        "签到 / 查找：号码、姓名或手机尾号4位",
        "Check in / find: number, name or last 4 phone digits",
    ),
    "triage.results": ("查找结果", "Found"),
    "triage.by_phone": ("手机签到", "checked in by phone"),
    "triage.choose": ("请选择", "Choose"),
    "triage.optional": ("无", "none"),
    "triage.pick_queue": ("请选择队列", "Choose a queue"),
    "triage.waiting": ("{name}：候诊 {count} 人", "{name}: {count} waiting"),
    "triage.loopback": (
        "警告：患者手机打不开凭条上的二维码，它指向本机地址 {url}。"
        "请在配置文件 [clinic] 中设置 public_url 并重新 init，或设置 CLINIC_QUEUE_PUBLIC_URL。",
        "Warning: the QR code on every slip points to {url}, a loopback address that patients'"
        " phones cannot open. Set public_url in the clinic file's [clinic] table and run init, or"
        " set CLINIC_QUEUE_PUBLIC_URL.",
    ),
    # the ticket slip
    "slip.title": ("就诊凭条", "Your ticket"),
    "slip.rooms": ("诊室：{rooms}", "Room: {rooms}"),
    "slip.ahead": ("前面还有 {ahead} 人", "{ahead} ahead of you"),
    "slip.scan": ("扫码查看进度", "Scan for live progress"),
    "slip.printed": ("打印 (p) · 关闭 (Esc)", "Print (p) · Close (Esc)"),
    # refusals from the core, by error code (English comes from the core's own message)
    "error.ticket_not_found": ("今天没有 {number} 号", ""),
    "error.desk_not_found": ("没有诊室 {desk}", ""),
    "error.queue_not_found": ("没有队列或诊室 {queue}", ""),
    "error.nobody_waiting": ("没有候诊患者", ""),
    "error.no_current_patient": ("当前没有已叫号的患者", ""),
    "error.desk_paused": ("本诊室已停诊，请先按 p 恢复接诊", ""),
    "error.reason_required": ("必须填写原因", ""),
    "error.invalid_state": ("{number} 当前为「{state}」，不能执行此操作", ""),
    "error.desk_already_paused": ("本诊室已经停诊", ""),
    "error.desk_already_open": ("本诊室已经在接诊", ""),
    "error.day_closed": ("{day} 的排队已结束，不能再更正", ""),
    "error.room_taken": ("{number} 正在诊室，只有空诊室才能恢复就诊", ""),
    "error.nothing_to_reopen": ("本诊室此后已叫过号或今天尚无完成的就诊，不能恢复", ""),
    "error.not_eligible": ("{number} 不能在本诊室就诊，请先转诊", ""),
    "error.unknown_priority": ("没有优先类别 {name}", ""),
    "error.busy": ("数据库繁忙，未做任何更改，请重试", ""),
    "error.queue_closed": ("{day} 的排队已结束，不能再发号", ""),
    "error.not_initialised": ("数据库尚未初始化", ""),
    "error.not_a_database": ("无法打开队列数据库", ""),
    "error.number_taken": ("{number} 号已被另一张凭条占用，未做任何更改", ""),
    "error.row_conflict": ("与已有记录冲突，未做任何更改", ""),
    "error.database_corrupt": ("队列数据库文件已损坏，未做任何更改；请联系管理员从备份恢复", ""),
    "error.read_only": ("队列数据库文件只读，未做任何更改；请联系管理员", ""),
    "error.disk_full": ("磁盘已满，未做任何更改；请联系管理员清理磁盘空间", ""),
    "error.disk_failure": ("磁盘读写出错，未做任何更改；请联系管理员", ""),
    "error.wal_missing": (
        "数据库日志文件（-wal）丢失，未做任何更改；请正常退出各诊室程序和服务器，并联系管理员",
        "",
    ),
    "error.file_replaced": ("数据库文件已被删除或替换，未做任何更改；请退出本程序并联系管理员", ""),
    "error.database_unreachable": ("无法连接队列数据库服务器，未做任何更改；请联系管理员", ""),
    "error.no_primary": ("队列数据库正在切换主库，暂不能写入，未做任何更改；请稍后重试", ""),
    "error.file_only": ("{what} 目前只能用于 SQLite 数据库文件，未做任何更改", ""),
    "error.hard_linked": ("数据库文件有多个硬链接，未做任何更改；请联系管理员", ""),
    "error.text_too_long": ("{field}超过 {limit} 个字符，未做任何更改", ""),
    "error.not_text": ("{field}含有无效字符 {point}，未做任何更改", ""),
    "error.no_actor": ("未指明操作人，未做任何更改", ""),
    "error.bad_phone": ("手机号不足 4 位数字，未做任何更改", ""),
    # what a refusal of text names (queue_core/text.py)
    "field.name": ("姓名", "name"),
    "field.reason": ("原因", "reason"),
    "field.actor": ("操作人", "actor"),
    "field.external_id": ("HIS 预约号", "external_id"),
}


def t(lang: Lang, key: str, **values: object) -> str:
    """The text for `key` in `lang`, formatted with `values`; an unknown key shows as itself."""
    pair = _CATALOGUE.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**values) if values else text


def refusal(lang: Lang, exc: QueueError) -> str:
    """A core refusal by its code in Chinese, the core's line in English."""
    pair = _CATALOGUE.get(f"error.{exc.code}")
    if lang == "en" or pair is None:
        return exc.message
    params = dict(exc.params)
    if "state" in params:
        params["state"] = t(lang, f"state.{params['state']}")
    if "field" in params:
        params["field"] = t(lang, f"field.{params['field']}")
    try:
        return pair[0].format(**params)
    except KeyError:
        return exc.message


def other(lang: Lang) -> Lang:
    return "en" if lang == "zh" else "zh"
