"""Generate the synthetic sample city that ships with facility-coverage.

The sample is a fictional 4 km x 3 km district (示例区) laid out in EPSG:4549
metres near central Nantong: three 街道, 21 社区, a canal that cuts off the
north-east corner (crossed only at three bridges), gated compounds whose
internal roads are private, a park, residential buildings with levels, about
320 facilities in an Amap-style GCJ-02 export and about 40 OSM POIs. Some gaps
are planted on purpose; the generator measures them and writes them to
``data/sample/README.md`` as ground truth.

Everything is deterministic: one seeded ``numpy.random.default_rng``, no
timestamps, stable ordering. Running the generator twice gives byte-identical
text files (GeoPackages carry their own timestamps; compare them by content).
The draws happen in a fixed order (see ``city.build_city``): reordering the
steps, or the draws inside a step, changes the whole sample.

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
- ``reach``: network distances on the generator's own graph;
- ``truth``: the generator's own measurement and the ground truth;
- ``writers`` and ``readme``: the files;
- ``city``: the parts assembled; ``cli``: the command line.

Usage::

    python scripts/make_sample_city.py            # writes into the repo's data/
    python scripts/make_sample_city.py --out DIR  # writes DIR/sample, DIR/boundaries
"""
