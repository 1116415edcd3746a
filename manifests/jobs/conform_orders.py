"""Conform raw order events into the `orders` table of the conformed zone.

Reads the JSON order events that land under the raw zone's `orders/` prefix (only those
new since the last run: the job has bookmarks), keeps well-formed orders, types their
columns, drops duplicate events, and appends them as Parquet partitioned by order date,
creating or updating the table in the Data Catalog as it writes.
"""

import sys

from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(
    sys.argv,
    ["JOB_NAME", "source_path", "target_path", "target_database", "target_table"],
)
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)

events = glue.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["source_path"]], "recurse": True},
    format="json",
    transformation_ctx="raw_orders",
)

orders = (
    events.toDF()
    .where(F.col("order_id").isNotNull() & F.col("placed_at").isNotNull())
    .select(
        F.col("order_id").cast("string"),
        F.col("customer_id").cast("string"),
        F.upper(F.col("country")).alias("country"),
        F.col("total").cast("decimal(12,2)").alias("total"),
        F.col("currency").cast("string"),
        F.to_timestamp("placed_at").alias("placed_at"),
    )
    .withColumn("order_date", F.to_date("placed_at"))
    .dropDuplicates(["order_id"])
)

sink = glue.getSink(
    connection_type="s3",
    path=args["target_path"],
    enableUpdateCatalog=True,
    updateBehavior="UPDATE_IN_DATABASE",
    partitionKeys=["order_date"],
    transformation_ctx="conformed_orders",
)
sink.setFormat("glueparquet")
sink.setCatalogInfo(
    catalogDatabase=args["target_database"], catalogTableName=args["target_table"]
)
sink.writeFrame(DynamicFrame.fromDF(orders, glue, "orders"))

job.commit()
