"""Members' expectations questionnaire: versions, responses, form-export import, dashboard."""

from service.questionnaire.models import Questionnaire, QuestionnaireResponse

__all__ = ["Questionnaire", "QuestionnaireResponse"]
