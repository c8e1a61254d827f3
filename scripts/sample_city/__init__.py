"""Generate the synthetic sample city that ships with facility-coverage.

The sample is a fictional district (示例区) laid out in EPSG:4549 metres near
central Nantong: a 4 km x 3 km city of three 街道 and 21 社区, with a canal
that cuts off the north-east corner (crossed only at three bridges), gated
compounds whose internal roads are private, a park and residential buildings
with levels; south of it a 4 km x 4 km 镇 (澜南镇) with its 镇区 社区, six 行政村
(polygons and 村委会 points) and rural roads; six declared 便民生活圈; about 410
facilities in an Amap-style GCJ-02 export with the attribute columns issue 12
reads, and about 40 OSM POIs. Some gaps are planted on purpose; the generator
measures them and writes them to ``data/sample/README.md`` as ground truth.

Everything is deterministic: one seeded ``numpy.random.default_rng``, no
timestamps, stable ordering. Running the generator twice gives byte-identical
text files (GeoPackages carry their own timestamps; compare them by content).
The draws happen in a fixed order (see ``city.build_city``): reordering the
steps, or the draws inside a step, changes the whole sample. The city draws
from the main stream; the fringe and everything issue 12 added draw from a
second stream (``fringe.FRINGE_STREAM``), so they move nothing in the city.

Modules, by what they make:

- ``layout``: the district frame, arterial grid, canal and 街道 (constants, helpers);
- ``boundaries``: 街道 and 社区 polygons;
- ``streets``: the street grid, its names and tags, canal cuts, bridges, promenades;
- ``parcels``: blocks and what each holds (park, schools, commerce, offices, compounds);
- ``compounds``: gated compounds, their names, gates and private roads;
- ``buildings``: building footprints with levels;
- ``network``: the lines noded into OSM ways and the walking graph;
- ``population``: the 社区 table (households, residents, ages, floor areas);
- ``frontage``: shop-front points along public streets;
- ``facilities``: the Amap-style facility rows and the OSM POIs;
- ``town`` and ``fringe``: the 镇, its 镇区 社区, 行政村 and roads, joined to the city;
- ``densify``: dense shopping 社区 (MOFCOM's tiers) and fresh-food stores;
- ``rural_sites``: the 镇's and villages' facilities, the new kinds of centre;
- ``attributes``: the attribute columns (功能, 是否综合性, 托班托位数...) and the final table;
- ``circles``: the declared 便民生活圈;
- ``reach``: network distances on the generator's own graph;
- ``truth``, ``truth_r1``, ``truth_rural``: the generator's own measurement and the ground truth;
- ``writers``, ``readme`` and ``readme_plan``: the files;
- ``city``: the parts assembled; ``cli``: the command line.

Usage::

    python scripts/make_sample_city.py            # writes into the repo's data/
    python scripts/make_sample_city.py --out DIR  # writes DIR/sample, DIR/boundaries
"""
