"""Case engine: BPMN adapter, matter catalogue and the domain rules of prior approval."""
