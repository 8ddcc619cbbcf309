"""What the dense leg embeds for each resource: an index-time choice recorded in the manifest.

Kept apart from `config` (which defines the Options record) so the manifest check imports
nothing heavier than this.
"""

# What the dense leg embeds for each resource (chosen by scripts/representation_ablation.py):
# "full" name, type, aliases, description, tasks, tags in one text; "desc" the description;
# "name-desc" name and description; "name-desc-needs" those plus the needs in one text;
# "name-desc+needs" name and description as one vector and each need as a vector of its own,
# a resource scoring as its best vector (max pooling).
REPRESENTATIONS = ("full", "desc", "name-desc", "name-desc-needs", "name-desc+needs")
EMBED_REPRESENTATION = "name-desc-needs"  # (CV) chosen with the weights by scripts/tune.py

# The needs phrases embedded one by one to read a task off a query naming none (ranking.inferred):
# at most this many per task, the task's go-to picks first, then maintained resources, then
# catalog order, so what a build embeds and stores grows with the taxonomy, not the catalog (the
# shipped catalog keeps 7,175 of 8,461 phrases, and every judged set scores the same as with all)
NEEDS_PER_TASK = 128
