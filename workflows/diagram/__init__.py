"""Drawing a BPMN model as SVG from its diagram interchange, on the server.

``drawing`` is the entry (``render_svg``, ``diagram_ids``) and draws the document, pools,
lanes, activities and flows; ``notation`` reads the model file; ``svg`` writes elements
and BPMN's fixed marks; ``labels`` sets names as lines of text; ``geometry`` holds boxes
and the numbers written for them.
"""
