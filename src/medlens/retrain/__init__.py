"""Learning from corrections: clinician-confirmed cases -> versioned dataset -> candidate model ->
paired comparison with the served model on its fixed test split -> promote only if not worse.

``dataset`` and ``compare`` import no torch (the web app uses them); ``candidate`` trains (torch).
"""
