"""Incident pages: the section queue, the disputes page, the search, the all-incidents list
and an incident's detail page.

Included at /incidents/ by itsm/urls.py, so an incident lives at /incidents/<number>/.
"""

from django.urls import path

from incidents import list_views, queue_views, views

app_name = "incidents"

urlpatterns = [
    path("queue/", queue_views.queue, name="queue"),
    path("queue/bulk/", queue_views.queue_bulk, name="queue_bulk"),
    path("assignee-options/", queue_views.assignee_options, name="assignee_options"),
    path("disputes/", views.disputes, name="disputes"),
    path("search/", list_views.search_page, name="search"),
    path("all/", list_views.all_list, name="all"),
    path("all/export.csv", list_views.all_export, name="all_export"),
    path("all/views/", list_views.view_save, name="view_save"),
    path("all/views/<int:pk>/delete/", list_views.view_delete, name="view_delete"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/actions/<slug:action>/", views.act, name="act"),
    path(
        "<str:number>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment",
    ),
]
