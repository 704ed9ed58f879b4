"""Views over many articles at once: an actor's or country's profile, who is mentioned
with whom (the network), and several searches on one timeline (compare).

Each is built from searches through the backend (so every count is the count of a
search a reader can run) plus two backend calls made for them: ``network`` (co-mentions
among the top values of a result, in one pass) and ``value_counts`` (archive-wide counts
of a few values, for lift).
"""
