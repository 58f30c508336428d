-- The schema registry keeps its tables in a database of its own, apart from the connector's.
-- The postgres image runs this once, when it initialises an empty data volume.
CREATE DATABASE registry;
