"""Build the purpose-built `daily_revenue` table from the conformed orders.

Reads the conformed `orders` table through the Data Catalog, sums the revenue and counts
the orders of each day and country, and replaces the table's Parquet files under the
purpose-built zone (a small table, rebuilt in full every night), updating its definition
in the Data Catalog.
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
    [
        "JOB_NAME",
        "source_database",
        "source_table",
        "target_path",
        "target_database",
        "target_table",
    ],
)
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)

orders = glue.create_dynamic_frame.from_catalog(
    database=args["source_database"],
    table_name=args["source_table"],
    transformation_ctx="conformed_orders",
).toDF()

revenue = (
    orders.groupBy("order_date", "country", "currency")
    .agg(
        F.sum("total").alias("revenue"),
        F.countDistinct("order_id").alias("orders"),
    )
    .orderBy("order_date", "country")
)

glue.purge_s3_path(args["target_path"], {"retentionPeriod": 0})
sink = glue.getSink(
    connection_type="s3",
    path=args["target_path"],
    enableUpdateCatalog=True,
    updateBehavior="UPDATE_IN_DATABASE",
    partitionKeys=["order_date"],
    transformation_ctx="daily_revenue",
)
sink.setFormat("glueparquet")
sink.setCatalogInfo(
    catalogDatabase=args["target_database"], catalogTableName=args["target_table"]
)
sink.writeFrame(DynamicFrame.fromDF(revenue, glue, "daily_revenue"))

job.commit()
