"""Running the report: plan from checksums, chapters on warm kernels, text checks, release, editions, verify.

One module per job: plan, inputs and state (what to do, from checksums and earlier runs), chapter and
schedulers (one chapter on a warm kernel; a local pool or Dask), alongside (the PDF worker and the
tables export beside the kernels), gates (the staff-text checks), report (the run itself and its
command line; `python -m helpers.runner`), publish_step, release and publication (the last step).

May import: every layer below (core to publish). Nothing imports the runner.
"""
