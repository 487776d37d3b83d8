"""The project's URLs plus the toy app's, as a real app would mount its own."""

from django.urls import include, path

from greenroom.urls import urlpatterns as project
from greenroom.web.tests.toy.apps import index

toy = ([path("", index, name="index")], "toy")

urlpatterns = [path("toy/", include(toy)), *project]
