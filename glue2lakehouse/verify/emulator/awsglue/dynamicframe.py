"""DynamicFrame over a Spark DataFrame, and DynamicFrameCollection."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType


class DynamicFrame:
    def __init__(self, df: DataFrame, glue_ctx=None, name: str = ""):
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    @classmethod
    def fromDF(cls, dataframe, glue_ctx, name):  # noqa: N802 - Glue's name
        return cls(dataframe, glue_ctx, name)

    def toDF(self, options=None):  # noqa: N802
        return self._df

    def count(self):
        return self._df.count()

    def schema(self):
        return self._df.schema

    def printSchema(self):  # noqa: N802
        self._df.printSchema()

    def show(self, num_rows=20):
        self._df.show(num_rows)

    def repartition(self, num_partitions, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        return DynamicFrame(self._df.repartition(num_partitions), self.glue_ctx, self.name)

    def coalesce(self, num_partitions, shuffle=False, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
                 totalThreshold=0):
        return DynamicFrame(self._df.coalesce(num_partitions), self.glue_ctx, self.name)

    # ---- method forms of the transforms
    def apply_mapping(self, mappings, case_sensitive=False, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
                      totalThreshold=0):
        from awsglue.transforms import ApplyMapping

        return ApplyMapping.apply(frame=self, mappings=mappings, case_sensitive=case_sensitive)

    def drop_fields(self, paths, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import DropFields

        return DropFields.apply(frame=self, paths=paths)

    def select_fields(self, paths, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import SelectFields

        return SelectFields.apply(frame=self, paths=paths)

    def rename_field(self, oldName, newName, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
                     totalThreshold=0):
        from awsglue.transforms import RenameField

        return RenameField.apply(frame=self, old_name=oldName, new_name=newName)

    def resolveChoice(self, specs=None, choice="", database=None, table_name=None, transformation_ctx="",  # noqa: N802
                      info="", stageThreshold=0, totalThreshold=0, catalog_id=None):  # noqa: N803
        from awsglue.transforms import ResolveChoice

        return ResolveChoice.apply(frame=self, specs=specs, choice=choice, database=database, table_name=table_name)

    def filter(self, f, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import Filter

        return Filter.apply(frame=self, f=f)

    def map(self, f, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import Map

        return Map.apply(frame=self, f=f)

    def join(self, paths1, paths2, frame2, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
             totalThreshold=0):
        from awsglue.transforms import Join

        return Join.apply(frame1=self, frame2=frame2, keys1=paths1, keys2=paths2)

    def spigot(self, path, options=None, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
               totalThreshold=0):
        from awsglue.transforms import Spigot

        return Spigot.apply(frame=self, path=path, options=options or {})

    def unnest(self, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import UnnestFrame

        return UnnestFrame.apply(frame=self)

    def split_fields(self, paths, name1, name2, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
                     totalThreshold=0):
        from awsglue.transforms import SplitFields

        return SplitFields.apply(frame=self, paths=paths, name1=name1, name2=name2)

    def split_rows(self, comparison_dict, name1, name2, transformation_ctx="", info="", stageThreshold=0,  # noqa: N803
                   totalThreshold=0):
        from awsglue.transforms import SplitRows

        return SplitRows.apply(frame=self, comparison_dict=comparison_dict, name1=name1, name2=name2)

    def unbox(self, path, format, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0,  # noqa: A002, N803
              **options):
        from awsglue.transforms import Unbox

        return Unbox.apply(frame=self, path=path, format=format, **options)

    def relationalize(self, root_table_name, staging_path, options=None, transformation_ctx="", info="",
                      stageThreshold=0, totalThreshold=0):  # noqa: N803
        from awsglue.transforms import Relationalize

        return Relationalize.apply(frame=self, staging_path=staging_path, name=root_table_name, options=options)


class DynamicFrameCollection:
    """A dict of DynamicFrames."""

    def __init__(self, dynamic_frames, glue_ctx=None):
        self._frames = dict(dynamic_frames)
        self.glue_ctx = glue_ctx

    def keys(self):
        return self._frames.keys()

    def values(self):
        return self._frames.values()

    def select(self, key, transformation_ctx=""):
        return self._frames[key]

    def map(self, callable, transformation_ctx=""):  # noqa: A002
        """The callable on every frame, called with the frame and "<transformation_ctx>:<key>"."""
        return DynamicFrameCollection({key: callable(frame, transformation_ctx + ":" + key)
                                       for key, frame in self._frames.items()}, self.glue_ctx)

    def __getitem__(self, key):
        return self._frames[key]

    def __iter__(self):
        return iter(self._frames)

    def __len__(self):
        return len(self._frames)


def flatten_schema(schema: StructType, prefix: str = "") -> list[str]:
    names = []
    for field in schema.fields:
        path = f"{prefix}{field.name}"
        if isinstance(field.dataType, StructType):
            names += flatten_schema(field.dataType, path + ".")
        else:
            names.append(path)
    return names


def column(path: str):
    return F.col(".".join(f"`{part}`" for part in path.split(".")))
