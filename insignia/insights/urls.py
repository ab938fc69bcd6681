"""Jobs search and pages, the earner's insights and applications, employers' inboxes."""

from django.urls import path

from insignia.insights import views

app_name = "insights"

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<str:public_id>", views.job, name="job"),
    path("jobs/<str:public_id>/apply", views.apply, name="apply"),
    path("insights/", views.insights, name="insights"),
    path("insights/applications/", views.my_applications, name="my_applications"),
    path("employers/<str:public_id>/jobs/new", views.job_new, name="job_new"),
    path(
        "employers/<str:public_id>/applications/",
        views.employer_applications,
        name="employer_applications",
    ),
    path(
        "employers/<str:public_id>/applications/<str:application_id>",
        views.employer_application,
        name="employer_application",
    ),
]
