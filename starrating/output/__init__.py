"""Output: result rows in, documents people and programs read out.

Enters: run documents and recorded runs.
Leaves: the terminal table, CSV, the JSON contract, the HTML report and the Excel workbook.
"""
