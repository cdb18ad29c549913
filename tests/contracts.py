"""Import contracts that import-linter's built-in types cannot state (see setup.cfg)."""

import re

from importlinter import Contract, ContractCheck, fields, output

IMPORTED_NAMES = re.compile(r"^\s*from\s+flask\s+import\s+\(?(?P<names>[^)#]*)")


class FlaskRequestContract(Contract):
    """Only the modules matching ``allowed`` (module name suffixes) import ``flask.request``.

    ``from flask import request`` is an import of the package ``flask`` to
    import-linter, so this reads the import lines grimp recorded.
    """

    type_name = "flask_request"
    source_package = fields.StringField()
    allowed_suffixes = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        offenders = []
        for module in sorted(graph.find_descendants(self.source_package) | {self.source_package}):
            if module.rsplit(".", 1)[-1] in self.allowed_suffixes:
                continue
            for detail in graph.get_import_details(importer=module, imported="flask"):
                if _imports_request(detail["line_contents"]):
                    offenders.append(f"{module}:{detail['line_number']}: {detail['line_contents']}")
        return ContractCheck(kept=not offenders, metadata={"offenders": offenders})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for offender in check.metadata["offenders"]:
            output.print_error(offender)
        output.new_line()
        output.print("Pass what the domain needs (a host, a base URL, an address) from the view instead.")


class ModelsContract(Contract):
    """Each feature's ``models`` module imports only the base layer and other features' models.

    So the tables stay below every feature's logic: a model that imported its feature's domain
    modules would tie the schema to them, and any two features' models could then form a cycle.
    """

    type_name = "models"
    source_package = fields.StringField()
    base_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        offenders = []
        package = self.source_package
        models = sorted(m for m in graph.find_descendants(package) if m.rsplit(".", 1)[-1] == "models")
        for module in models:
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                inside = imported == package or imported.startswith(package + ".")
                if inside and imported not in self.base_modules and imported not in models:
                    offenders.append(f"{module} imports {imported}")
        return ContractCheck(kept=bool(models) and not offenders,
                             metadata={"offenders": offenders or [f"no models module in {package}"]})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for offender in check.metadata["offenders"]:
            output.print_error(offender)
        output.new_line()
        output.print("A model may use the extensions, the config, the time helpers and other models only.")


def _imports_request(line: str) -> bool:
    match = IMPORTED_NAMES.match(line)
    if not match:
        return False
    names = {name.split(" as ")[0].strip() for name in match.group("names").split(",")}
    return "request" in names
