"""The letter to the client as a one-page PDF with selectable text (fpdf2).

fpdf2's built-in Helvetica is a real text font, so every word can be selected, searched and read aloud, and no font
file needs shipping; it covers Latin-1 (every French letter but œ), so the few other characters are written the way
a French letter can write them: `€` as `euros`, typographic spaces and quotes as their plain forms.
"""

from __future__ import annotations

from fpdf import FPDF

from api.letter import Letter

LATIN1 = str.maketrans({"\u202f": " ", "\u2019": "'", "\u2014": "-", "\u2013": "-", "\u2026": "...", "œ": "oe",
                        "Œ": "OE"})
INK = (26, 26, 26)
ACCENT = (11, 61, 145)


def latin1(text: str) -> str:
    """The text in the characters of the PDF core fonts (Latin-1)."""
    text = text.replace("\u00a0€", " euros").replace("€", "euros").translate(LATIN1)
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(letter: Letter) -> bytes:
    """The letter on one A4 page."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 18, 20)
    pdf.set_title(latin1(f"Décision sur votre demande de crédit du {letter.date_text}"))
    pdf.set_lang("fr")
    pdf.set_creator("Prêt à dépenser")
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: float) -> None:
        pdf.set_font("helvetica", "B", size)
        pdf.set_text_color(*INK)
        pdf.ln(2)
        pdf.multi_cell(width, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def paragraph(text: str, bold: bool = False, bullet: bool = False) -> None:
        pdf.set_font("helvetica", "B" if bold else "", 10.5)
        pdf.set_text_color(*(ACCENT if bold else INK))
        pdf.multi_cell(width, 5.2, latin1(("- " if bullet else "") + text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)

    heading(f"Votre demande de crédit : décision du {letter.date_text}", 15)
    paragraph(f"Référence : {letter.reference} - client n° {letter.client_id}")
    heading("La décision", 12.5)
    paragraph(letter.headline, bold=True)
    paragraph(letter.who_decided)
    heading("Les principales raisons", 12.5)
    for title, lines in (("Ce qui a pesé défavorablement", letter.reasons_against),
                         ("Ce qui a joué en votre faveur", letter.reasons_for)):
        if lines:
            heading(title, 11)
            for line in lines:
                paragraph(line, bullet=True)
    if not letter.reasons_against and not letter.reasons_for:
        paragraph("Aucun élément ne se détache particulièrement.")
    if letter.options:
        heading("Ce que vous pouvez faire", 12.5)
        for line in letter.options:
            paragraph(line, bullet=True)
    heading("Votre droit à un réexamen par une personne", 12.5)
    for line in letter.review:
        paragraph(line)
    return bytes(pdf.output())
