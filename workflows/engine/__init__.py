"""The engine adapter: the only package that imports SpiffWorkflow.

It knows BPMN and a case's data, nothing of HTTP or the database. One job per module:

- ``bundle``: a deployed set of model files, identified by the hash of its files;
- ``parsed_models``: a bundle parsed once per process: specs, lane roles, names, decisions;
- ``script_engine``: where model expressions run (a few builtins, compiled once) and the
  case's clock that timers ask;
- ``case_engine``: what the service calls: start, open tasks, complete, fire timers,
  save, load, digest;
- ``engine_steps``: running the engine's own tasks after a step, found more cheaply than
  the library finds them;
- ``case_workflow``: the workflow classes compacted cases run on;
- ``compaction`` and ``compaction_v1``: cutting finished work out of a case's task tree,
  by the version the case was filed with;
- ``serializer``: the saved state's format (no specs, task ids as text);
- ``patches``: the replacements inside SpiffWorkflow, applied only by ``patches.install()``;
- ``errors``: what the adapter raises, so callers need not import the library.

Importing any of these modules changes nothing in SpiffWorkflow: start-up code calls
``patches.install()`` once, and the engine refuses to run before it has.
"""
