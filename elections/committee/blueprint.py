"""The committee's blueprint, shared by its view modules."""

from flask import Blueprint

bp = Blueprint("committee", __name__, url_prefix="/committee")
