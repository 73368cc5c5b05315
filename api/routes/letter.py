"""GET /v1/clients/{client_id}/letter?format=html|pdf."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from api.access import secured
from api.deps import ServiceDep
from api.letter import letter_content, render_html
from api.letter_pdf import render_pdf
from api.schemas import error_responses

router = APIRouter(prefix="/v1/clients", tags=["clients"], responses=error_responses(404, 422))
ClientId = Annotated[int, Path(ge=1, le=2**62, description="The client (SK_ID_CURR)", examples=[100002])]
HTML_EXAMPLE = ('<!DOCTYPE html>\n<html lang="fr">\n<head>...<title>Décision sur votre demande de crédit — '
                "3 décembre 2026</title>...</head>\n<body>\n<main>\n<h1>Votre demande de crédit : décision du "
                "3 décembre 2026</h1>\n...<h2>La décision</h2>\n<p><strong>Nous ne pouvons pas donner une suite "
                "favorable à votre demande de crédit.</strong></p>\n...<h2>Les principales raisons</h2>...")
LETTER_RESPONSES: dict[int | str, dict] = {200: {
    "description": "The letter: an HTML page (format=html) or a one-page PDF (format=pdf). Headers X-Letter-Decision "
                   "(accepted, refused, referred), X-Letter-Decided-By (advisor, model) and X-Letter-Reference.",
    "content": {"text/html": {"example": HTML_EXAMPLE},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@router.get("/{client_id}/letter", response_class=HTMLResponse, responses=LETTER_RESPONSES,
            summary="The letter to the client about their latest decision", **secured("client:read", "read"))
def letter(client_id: ClientId, service: ServiceDep,
           format: Annotated[Literal["html", "pdf"], Query(description="html (a page) or pdf (a download)")] = "html",
           ) -> Response:
    """A one-page letter in French about the client's latest decision: the advisor's decision in force when one was
    recorded (POST /v1/decisions), else the model's on the stored application. It gives the decision and its date, at
    most 4 principal reasons from the explanation (those the client can act on: never gender, family status,
    children or age), what the client can do (the counter-offer when the model accepts a smaller amount or a longer
    term), and the right to ask for a review by a person, and how. The HTML is accessible (lang="fr", headings,
    contrast); the PDF's text is selectable."""
    content = letter_content(service, client_id)
    headers = {"X-Letter-Decision": content.decision, "X-Letter-Decided-By": content.decided_by,
               "X-Letter-Reference": content.reference}
    if format == "pdf":
        name = f"lettre-decision-{client_id}-{content.decided_at.date().isoformat()}.pdf"
        return Response(render_pdf(content), media_type="application/pdf",
                        headers=headers | {"Content-Disposition": f'attachment; filename="{name}"'})
    return HTMLResponse(render_html(content), headers=headers)
