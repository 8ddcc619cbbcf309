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
