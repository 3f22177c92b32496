"""Case files and casepress.yaml → validated objects: YAML source, schema, project, cases,
handbook plans, places, labels, and the one Markdown → safe HTML factory.
"""
