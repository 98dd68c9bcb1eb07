"""Settings → Filters: the user's Advanced Filters rules (list, write, preview, save, reorder,
delete, export, import).

Every form works without JavaScript. The rule form prefills from the query string (another page
links to ``filters.new_rule`` with ``name``, ``match``, ``field``, ``op``, ``value``, ``action``,
``status`` and ``application_id``). The rule is read by `storage.parse_rule`: its refusal is a 400
with the form, the values kept and the sentence next to the field. Free accounts see the feature
described and locked; the writes answer 403.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from receiver.bounded_json import BoundedJsonError, loads_bounded
from receiver.context import receiver_context
from receiver.current_user import signed_in_user_id
from receiver.pipeline_chart import STATUS_LABELS
from receiver.rule_search import MAX_RESULTS, GmailSearch, search_ordinary_mail
from receiver.serialize import iso_utc
from storage import (
    ActionType,
    FilterRuleView,
    InvalidChange,
    NotFound,
    Plan,
    RuleAction,
    RulePreview,
    RuleSpec,
    Status,
    Store,
    parse_rule,
)
from storage.filter_rules import PAST_MAIL_DAYS
from storage.filters import MAX_CONDITIONS, Condition, RuleField, RuleMatch, RuleOp

bp = Blueprint("filters", __name__)

FIELD_LABELS = {
    RuleField.SENDER: "Sender",
    RuleField.SENDER_DOMAIN: "Sender domain",
    RuleField.SUBJECT: "Subject",
    RuleField.BODY: "Body text",
    RuleField.LABEL: "Gmail label",
}
OP_LABELS = {RuleOp.EQUALS: "equals", RuleOp.CONTAINS: "contains", RuleOp.MATCHES: "matches"}
ACTION_LABELS = {
    ActionType.SET_STATUS: "Set the status",
    ActionType.IGNORE: "Ignore: never job mail",
    ActionType.TREAT_AS_JOB: "Treat as job mail (the classifier picks the stage)",
    ActionType.ASSIGN: "Assign to an application",
}
EMPTY_ROWS = 3  # condition rows a form without JavaScript shows (empty ones are ignored)
MAX_NAMED_CHANGES = 5
PREMIUM_ONLY = (
    "Advanced Filters are a Premium feature and your account is on the Free plan; the operator "
    "of this ApplyTrack sets each account's plan."
)
_IMPORT_DEPTH = 6  # {rules: [{conditions: [{...}]}]}
_ROW_KEY = re.compile(r"condition-(\d{1,3})-value")
_ROW_FIELD = re.compile(r"conditions\[(\d+)\](?:\.(field|op|value))?")


@dataclass(frozen=True)
class ConditionRow:
    """One condition row of the form, as typed."""

    field: str = RuleField.SENDER.value
    op: str = RuleOp.EQUALS.value
    value: str = ""


@dataclass(frozen=True)
class RuleForm:
    """The rule form's values, as typed (kept on a refusal)."""

    name: str = ""
    match: str = RuleMatch.ALL.value
    rows: tuple[ConditionRow, ...] = ()
    action: str = ActionType.IGNORE.value
    status: str = ""
    application_id: str = ""

    @classmethod
    def from_values(cls, values: MultiDict[str, str]) -> RuleForm:
        """The prefill of a link (``field``/``op``/``value`` may repeat, one per condition)."""
        rows = zip(
            values.getlist("field"), values.getlist("op"), values.getlist("value"), strict=False
        )
        return cls(
            name=values.get("name", ""),
            match=values.get("match", RuleMatch.ALL.value),
            rows=tuple(ConditionRow(*row) for row in rows),
            action=values.get("action", ActionType.IGNORE.value),
            status=values.get("status", ""),
            application_id=values.get("application_id", ""),
        )

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> RuleForm:
        """What the form sent; rows in their order (a script may have added some)."""
        indexes = sorted({int(m.group(1)) for key in form if (m := _ROW_KEY.fullmatch(key))})
        rows = tuple(
            ConditionRow(
                form.get(f"condition-{i}-field", ""),
                form.get(f"condition-{i}-op", ""),
                form.get(f"condition-{i}-value", ""),
            )
            for i in indexes
        )
        return cls(
            name=form.get("name", ""),
            match=form.get("match", ""),
            rows=rows,
            action=form.get("action", ""),
            status=form.get("status", ""),
            application_id=form.get("application_id", ""),
        )

    @classmethod
    def from_rule(cls, rule: RuleSpec) -> RuleForm:
        """A saved rule's values (the edit form)."""
        rows = tuple(ConditionRow(c.field.value, c.op.value, c.value) for c in rule.conditions)
        return cls(
            name=rule.name,
            match=rule.match.value,
            rows=rows,
            action=rule.action.type.value,
            status=rule.action.status.value if rule.action.status else "",
            application_id=str(rule.action.application_id or ""),
        )

    def filled_rows(self) -> list[int]:
        """The positions of the rows with a value (the others are ignored)."""
        return [i for i, row in enumerate(self.rows) if row.value.strip()]

    def shown_rows(self) -> tuple[ConditionRow, ...]:
        """The rows to show: the typed ones, then empty ones to fill without JavaScript."""
        spare = max(1, EMPTY_ROWS - len(self.rows)) if len(self.rows) < MAX_CONDITIONS else 0
        return (*self.rows, *(ConditionRow() for _ in range(spare)))

    def rule_body(self) -> dict[str, Any]:
        """The rule's JSON form, for `parse_rule` to read (and refuse)."""
        action: dict[str, Any] = {"type": self.action}
        if self.action == ActionType.SET_STATUS.value:
            action["status"] = self.status
        elif self.action == ActionType.ASSIGN.value:
            target = self.application_id
            action["application_id"] = (
                int(target) if target.isdigit() and len(target) < 19 else target
            )
        conditions = [
            {"field": row.field, "op": row.op, "value": row.value}
            for row in (self.rows[i] for i in self.filled_rows())
        ]
        return {"name": self.name, "match": self.match, "conditions": conditions, "action": action}


@dataclass(frozen=True)
class PagePreview:
    """What saving would do: to the recorded job mail, and the ordinary mail Gmail found."""

    recorded: RulePreview
    gmail: GmailSearch


@dataclass(frozen=True)
class RuleLine:
    """A saved rule as the list shows it, in words."""

    id: int
    position: int
    name: str
    match: str
    conditions: list[str] = field(default_factory=list)
    action: str = ""


def premium_required(
    view: Callable[..., ResponseReturnValue],
) -> Callable[..., ResponseReturnValue]:
    """Answer 403 with a sentence to a Free account writing rules."""

    @wraps(view)
    def gated(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not _is_premium(signed_in_user_id()):
            abort(403, description=PREMIUM_ONLY)
        return view(*args, **kwargs)

    return gated


@bp.get("/settings/filters")
@login_required
def filters_page() -> ResponseReturnValue:
    """Settings → Filters: the rules in the order they run, and their controls."""
    return _list_page()


@bp.get("/settings/filters/new")
@login_required
def new_rule() -> ResponseReturnValue:
    """The rule form, prefilled from the query string."""
    if not _is_premium(signed_in_user_id()):
        return _list_page()
    return _form_page(RuleForm.from_values(request.args), rule_id=None)


@bp.post("/settings/filters/new")
@login_required
@premium_required
def create_rule() -> ResponseReturnValue:
    """Preview the new rule, or save it (it is then applied to past mail)."""
    return _submit(rule_id=None)


@bp.get("/settings/filters/<int:rule_id>/edit")
@login_required
def edit_rule(rule_id: int) -> ResponseReturnValue:
    """The rule form with a saved rule's values."""
    user_id = signed_in_user_id()
    if not _is_premium(user_id):
        return _list_page()
    view = _own_rule(user_id, rule_id)
    return _form_page(RuleForm.from_rule(view.rule), rule_id=rule_id)


@bp.post("/settings/filters/<int:rule_id>/edit")
@login_required
@premium_required
def update_rule(rule_id: int) -> ResponseReturnValue:
    """Preview the changed rule, or save it (the rules are applied to past mail again)."""
    _own_rule(signed_in_user_id(), rule_id)
    return _submit(rule_id=rule_id)


@bp.get("/settings/filters/<int:rule_id>/delete")
@login_required
@premium_required
def confirm_delete(rule_id: int) -> ResponseReturnValue:
    """Ask before deleting a rule."""
    return render_template("_rule_delete.html", rule=_own_rule(signed_in_user_id(), rule_id))


@bp.post("/settings/filters/<int:rule_id>/delete")
@login_required
@premium_required
def delete_rule(rule_id: int) -> ResponseReturnValue:
    """Delete a rule once confirmed; what it did to past mail stays."""
    user_id = signed_in_user_id()
    view = _own_rule(user_id, rule_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm that you want to delete this rule.", "error")
        return render_template("_rule_delete.html", rule=view), 400
    _store().delete_filter_rule(user_id, rule_id)
    flash(f"Rule '{view.rule.name}' deleted. What it did to past mail stays.", "success")
    return redirect(url_for(".filters_page"))


@bp.post("/settings/filters/<int:rule_id>/move")
@login_required
@premium_required
def move_rule(rule_id: int) -> ResponseReturnValue:
    """Move a rule up (runs sooner) or down (runs later)."""
    user_id = signed_in_user_id()
    view = _own_rule(user_id, rule_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        flash("direction: choose up or down to move the rule.", "error")
        return _list_page(status=400)
    ids = [rule.id for rule in _store().filter_rules(user_id)]
    here = ids.index(rule_id)
    there = min(max(here + step, 0), len(ids) - 1)
    if there == here:
        flash(f"Rule '{view.rule.name}' already runs {'first' if here == 0 else 'last'}.", "info")
        return redirect(url_for(".filters_page"))
    ids[here], ids[there] = ids[there], ids[here]
    _store().reorder_filter_rules(user_id, ids)
    flash(f"Rule '{view.rule.name}' now runs {there + 1} of {len(ids)}.", "success")
    return redirect(url_for(".filters_page"))


@bp.get("/settings/filters/export")
@login_required
@premium_required
def export_rules() -> ResponseReturnValue:
    """The rules as a JSON file, which Import (here or ``POST /api/rules/import``) reads."""
    response = jsonify(rules=_store().export_filter_rules(signed_in_user_id()))
    response.headers["Content-Disposition"] = 'attachment; filename="applytrack-rules.json"'
    return response


@bp.post("/settings/filters/import")
@login_required
@premium_required
def import_rules() -> ResponseReturnValue:
    """Add the rules of an exported JSON file after the user's own (all or none)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("Choose the JSON file that Export rules downloaded, then Import.", "error")
        return _list_page(status=400)
    try:
        data = loads_bounded(upload.read(), max_depth=_IMPORT_DEPTH, max_int_digits=20)
    except BoundedJsonError as error:
        flash(f"The file {error}: choose the JSON file that Export rules downloaded.", "error")
        return _list_page(status=400)
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        flash("The file holds no list of rules: choose one that Export rules wrote.", "error")
        return _list_page(status=400)
    try:
        views = _store().import_filter_rules(signed_in_user_id(), rules)
    except InvalidChange as error:
        where = "" if str(error).startswith(error.field) else f"{error.field}: "
        flash(f"Nothing was imported: {where}{error}", "error")
        return _list_page(status=400)
    flash(f"Imported {len(rules)} rules; you now have {len(views)}.", "success")
    return redirect(url_for(".filters_page"))


def _submit(*, rule_id: int | None) -> ResponseReturnValue:
    """Read the form; Preview re-renders it with what the rule would do, Save saves it."""
    user_id = signed_in_user_id()
    form = RuleForm.from_form(request.form)
    store = _store()
    try:
        rule = parse_rule(form.rule_body())
        if request.form.get("intent") == "preview":
            preview = _preview(store, user_id, rule, rule_id)
            return _form_page(form, rule_id=rule_id, preview=preview)
        before = _board(store, user_id)
        if rule_id is None:
            store.add_filter_rule(user_id, rule)
        else:
            store.edit_filter_rule(user_id, rule_id, rule)
    except InvalidChange as error:
        flash(f"The rule was not saved: {error}", "error")
        errors = {_error_key(error.field, form.filled_rows()): str(error)}
        return _form_page(form, rule_id=rule_id, errors=errors), 400
    flash(_saved_sentence(rule.name, before, _board(store, user_id)), "success")
    return redirect(url_for(".filters_page"))


def _preview(store: Store, user_id: int, rule: RuleSpec, rule_id: int | None) -> PagePreview:
    recorded = store.preview_filter_rule(user_id, rule, replacing=rule_id)
    gmail = search_ordinary_mail(store, user_id, rule, receiver_context().gmail_factory)
    return PagePreview(recorded, gmail)


def _list_page(*, status: int = 200) -> ResponseReturnValue:
    user_id = signed_in_user_id()
    premium = _is_premium(user_id)
    names = _application_names(user_id) if premium else {}
    rules = [_line(view, names) for view in _store().filter_rules(user_id)] if premium else []
    return render_template(
        "filters.html", mode="list", premium=premium, rules=rules, days=PAST_MAIL_DAYS
    ), status


def _form_page(
    form: RuleForm,
    *,
    rule_id: int | None,
    preview: PagePreview | None = None,
    errors: Mapping[str, str] | None = None,
) -> str:
    user_id = signed_in_user_id()
    action_url = (
        url_for(".create_rule") if rule_id is None else url_for(".update_rule", rule_id=rule_id)
    )
    return render_template(
        "filters.html",
        mode="form",
        premium=True,
        form=form,
        rule_id=rule_id,
        action_url=action_url,
        preview=preview,
        errors=errors or {},
        field_labels=FIELD_LABELS,
        op_labels=OP_LABELS,
        action_labels=ACTION_LABELS,
        status_labels=STATUS_LABELS,
        applications=_application_names(user_id),
        days=PAST_MAIL_DAYS,
        gmail_limit=MAX_RESULTS,
        iso_utc=iso_utc,
    )


def _line(view: FilterRuleView, names: Mapping[int, str]) -> RuleLine:
    rule = view.rule
    return RuleLine(
        id=view.id,
        position=view.position,
        name=rule.name,
        match="all of" if rule.match is RuleMatch.ALL else "any of",
        conditions=[_condition_words(condition) for condition in rule.conditions],
        action=_action_words(rule.action, names),
    )


def _condition_words(condition: Condition) -> str:
    return f"{FIELD_LABELS[condition.field]} {OP_LABELS[condition.op]} “{condition.value}”"


def _action_words(action: RuleAction, names: Mapping[int, str]) -> str:
    if action.type is ActionType.SET_STATUS and action.status is not None:
        return f"Set the status to {STATUS_LABELS[action.status]}"
    if action.type is ActionType.ASSIGN and action.application_id is not None:
        target = names.get(action.application_id, f"application {action.application_id}")
        return f"Assign to {target}"
    return ACTION_LABELS[action.type]


def _application_names(user_id: int) -> dict[int, str]:
    return {
        application.id: " · ".join(part for part in (application.company, application.role) if part)
        or f"Application {application.id}"
        for application in _store().applications(user_id)
    }


def _board(store: Store, user_id: int) -> dict[int, tuple[str, Status]]:
    """Each live application's name and status (to say what saving a rule changed)."""
    return {
        application.id: (application.company or f"Application {application.id}", application.status)
        for application in store.applications(user_id)
    }


def _saved_sentence(
    name: str, before: Mapping[int, tuple[str, Status]], after: Mapping[int, tuple[str, Status]]
) -> str:
    changes = [
        f"{label}: {STATUS_LABELS[status]} → {STATUS_LABELS[after[key][1]]}"
        for key, (label, status) in before.items()
        if key in after and after[key][1] is not status
    ]
    changes += [f"{label} left the board" for key, (label, _) in before.items() if key not in after]
    changes += [
        f"{label} joined the board as {STATUS_LABELS[status]}"
        for key, (label, status) in after.items()
        if key not in before
    ]
    saved = f"Rule '{name}' saved; it runs on new mail from now on."
    if not changes:
        return f"{saved} It changed no application on the mail of the last {PAST_MAIL_DAYS} days."
    named = "; ".join(changes[:MAX_NAMED_CHANGES])
    more = len(changes) - MAX_NAMED_CHANGES
    rest = f"; and {more} more" if more > 0 else ""
    return f"{saved} On the mail of the last {PAST_MAIL_DAYS} days: {named}{rest}."


def _error_key(field_name: str, filled: list[int]) -> str:
    """Where the form shows a refusal: ``conditions[i].op`` is the op of the i-th filled row."""
    match = _ROW_FIELD.fullmatch(field_name)
    if match is not None and int(match.group(1)) < len(filled):
        return f"row-{filled[int(match.group(1))]}-{match.group(2) or 'value'}"
    if field_name == "action":
        return "action.type"
    return field_name


def _own_rule(user_id: int, rule_id: int) -> FilterRuleView:
    try:
        return _store().filter_rule(user_id, rule_id)
    except NotFound as error:
        abort(404, description=str(error))


def _is_premium(user_id: int) -> bool:
    return _store().plan_of(user_id) is Plan.PREMIUM


def _store() -> Store:
    return receiver_context().store
