"""Handlers of a document's life and questions: open, change, save and close (diagnostics follow), completion,
hover and code actions. Each one asks the editor engine (:mod:`infisical_tokens.core.editor`) and converts its answer.
"""

from __future__ import annotations

from lsprotocol import types

from . import convert, protocol
from .answering import Written
from .documents import DEBOUNCE_SECONDS
from .server import InfisicalLanguageServer, guarded, server

TRIGGER_CHARACTERS = ["=", ":", "/", ",", " ", '"', "-"]


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded(lambda: None)
def on_change(
    ls: InfisicalLanguageServer,
    params: types.DidOpenTextDocumentParams | types.DidChangeTextDocumentParams | types.DidSaveTextDocumentParams,
) -> None:
    uri = params.text_document.uri
    if isinstance(params, types.DidChangeTextDocumentParams):
        ls.follow_edit(uri, params.content_changes)
    if uri.endswith("/.infisical.json") and not isinstance(params, types.DidOpenTextDocumentParams):
        ls.generation += 1  # every document below this project file may belong to another project now
        for other in list(ls.workspace.text_documents):
            if other != uri:
                ls.schedule(other)
    ls.schedule(uri, delay=0 if isinstance(params, types.DidOpenTextDocumentParams) else DEBOUNCE_SECONDS)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded(lambda: None)
def on_close(ls: InfisicalLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = ls._pending.pop(uri, None)
    if pending is not None:
        pending.cancel()
    ls.states.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ---------------------------------------------------------------------- completion, hover, actions


@server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
@guarded(lambda: types.CompletionList(is_incomplete=True, items=[]))
def on_completion(ls: InfisicalLanguageServer, params: types.CompletionParams) -> types.CompletionList | Written:
    from infisical_tokens.core import editor

    doc = ls.document(params.text_document.uri)
    state = ls.state(doc.uri)
    positions, context = state.positions, state.context
    asked = convert.Asked(context, doc.source, params.position, snippets=ls.snippets, retrigger=ls.retrigger)
    answer = state.completed
    if answer is None or not answer.asked.same(asked):
        result = editor.complete(doc.source, state.kind, positions.offset(params.position), context, state.sites)
        answer = state.completed = ls.completions.answer(asked, result, positions)
    if (
        answer.wants
        and ls.catalog is not None
        and context.project_id
        and ls.catalog.want(context.project_id, answer.wants)
    ):
        ls.catalog.refresh(context.project_id)  # read in the background; the list says it is incomplete
    return answer.result  # a CompletionList, already written as JSON


@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded(lambda: None)
def on_hover(ls: InfisicalLanguageServer, params: types.HoverParams) -> types.Hover | None:
    from infisical_tokens.core import editor

    doc = ls.document(params.text_document.uri)
    state = ls.state(doc.uri)
    info = editor.hover(doc.source, state.kind, state.positions.offset(params.position), state.context, state.sites)
    return convert.hover(info, state.positions, ls.markdown) if info is not None else None


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor]),
)
@guarded(list)
def on_code_action(ls: InfisicalLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    from infisical_tokens.core import editor

    uri = params.text_document.uri
    doc = ls.document(uri)
    state = ls.state(uri)
    positions = state.positions
    start, end = positions.offset(params.range.start), positions.offset(params.range.end)
    found = ls.findings(uri)
    result = []
    for action in editor.actions(doc.source, state.kind, start, end, state.context, found, state.sites):
        if action.kind == "quickfix" and action.edit is not None:
            related = [convert.diagnostic(f, positions) for f in found if f.code == action.code]
            result.append(
                types.CodeAction(
                    title=action.title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=related or None,
                    is_preferred=action.preferred,
                    edit=types.WorkspaceEdit(changes={uri: [convert.text_edit(action.edit, positions)]}),
                )
            )
        elif action.create is not None:
            result.append(
                types.CodeAction(
                    title=action.title,
                    kind=types.CodeActionKind.Refactor,
                    command=types.Command(
                        title=action.title,
                        command=protocol.CREATE,
                        arguments=[{"uri": uri, "argv": list(action.create.argv)}],
                    ),
                )
            )
    return result
