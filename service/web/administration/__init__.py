"""The administrator's pages: users and their roles (users), places and organizations
(places), the [config] settings and the working-day calendar (settings).

They do what the JSON API does, through the same service functions, so every change is
checked the same way and lands in the administration log. A refused change re-renders
the page with the service's Chinese messages next to the form that caused them.
"""

from service.web.administration import places, settings, users
from service.web.administration.forms import bp

__all__ = ["bp", "places", "settings", "users"]
