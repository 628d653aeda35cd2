"""The PDF's structure tree (PDF/UA-1): each part tagged by WeasyPrint, the parts joined into one tree.

German public bodies publish accessibly (BITV 2.0): the PDF is tagged, so a screen reader reads it in
order, knows headings, lists, tables and figures (with their alt text), and skips what is only
decoration. WeasyPrint writes a structure tree for each part it renders (`pdf_variant="pdf/ua-1"`);
this module does what a part cannot know by itself:

- `finish_part`: text in the page margins (the running heads) is marked content that WeasyPrint
  maps to structure elements outside the tree; it becomes an artifact, like the page numbers. The
  ids of table header cells (which data cells point to) get the part's own prefix, so that they stay
  unique in the joined document, and are listed in an /IDTree.
- `join`: one /StructTreeRoot for the joined pages: one /Document whose kids are the parts (each a
  /Part, in reading order), one /ParentTree with the pages' /StructParents and the links'
  /StructParent numbered anew, /RoleMap and /IDTree merged.
- `document_catalog`: /MarkInfo, /Lang, /ViewerPreferences /DisplayDocTitle and the XMP metadata
  with the title and the PDF/UA identification (pdfuaid:part 1).

Everything is deterministic (no dates, no random ids), so equal parts give an equal PDF.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

#: What WeasyPrint tags as: PDF/UA-1 (PDF 1.7, tagged, pdfuaid:part 1).
VARIANT = "pdf/ua-1"
PDF_VERSION = "1.7"
#: Marks the stamped page numbers (drawn over every page after the tagged content) as pagination.
ARTIFACT_BEGIN = b"/Artifact << /Type /Pagination >> BDC\n"
ARTIFACT_END = b"EMC\n"


def _elements(root) -> list:
    """Every structure element reachable from the tree's root, parents before kids, in order."""
    import pikepdf

    found, seen = [], set()
    stack = list(reversed(list(_kids(root))))
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary) or element.get("/Type") in ("/MCR", "/OBJR"):
            continue
        if element.objgen != (0, 0):
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        found.append(element)
        stack.extend(reversed(list(_kids(element))))
    return found


def _kids(node) -> list:
    import pikepdf

    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _numbers(tree) -> dict[int, object]:
    """A number tree (as WeasyPrint writes it, flat, or with kids) as {key: value}."""
    import pikepdf

    return {int(key): value for key, value in pikepdf.NumberTree(tree).items()}


def _artifact_margins(pdf, page, elements: list, reachable: set) -> list:
    """Turn the marked content of `page` whose structure element is outside the tree into artifacts;
    number the rest 0.. again. Returns the page's new /ParentTree array."""
    import pikepdf

    keep = {old: element for old, element in enumerate(elements)
            if element is not None and element.objgen in reachable}
    if len(keep) == len(elements):
        return elements
    renumber = {old: new for new, old in enumerate(sorted(keep))}
    instructions = []
    for instruction in pikepdf.parse_content_stream(page):
        operands = getattr(instruction, "operands", None)
        if str(instruction.operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary) \
                and "/MCID" in operands[1]:
            old = int(operands[1].MCID)
            if old not in keep:
                instruction = pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact], pikepdf.Operator("BMC"))
            elif renumber[old] != old:
                instruction = pikepdf.ContentStreamInstruction(
                    [operands[0], pikepdf.Dictionary(MCID=renumber[old])], pikepdf.Operator("BDC"))
        instructions.append(instruction)
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
    changed = {}
    for old, element in keep.items():
        changed.setdefault(element.objgen, (element, {}))[1][old] = renumber[old]
    for element, moves in changed.values():
        if any(old != new for old, new in moves.items()):
            element.K = pikepdf.Array([moves.get(int(k), int(k)) if isinstance(k, int) else k for k in _kids(element)])
    return [keep[old] for old in sorted(keep)]


def finish_part(pdf, prefix: str) -> None:
    """Make a part's tree joinable (see the module's description); `prefix` is unique to the part."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    elements = _elements(root)
    reachable = {e.objgen for e in elements}
    numbers = _numbers(root.ParentTree)
    nums = pikepdf.Array()
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is None:
            continue
        numbers[int(key)] = pikepdf.Array(_artifact_margins(pdf, page, list(numbers.get(int(key), [])), reachable))
    for key in sorted(numbers):
        nums.extend([key, numbers[key]])
    root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
    ids = pikepdf.NameTree.new(pdf)
    for element in elements:
        if "/ID" in element:
            element.ID = pikepdf.String(f"{prefix}-{element.ID}")
            ids[str(element.ID)] = element
        attributes = element.get("/A")
        for attribute in ([] if attributes is None else attributes if isinstance(attributes, pikepdf.Array) else [attributes]):
            if isinstance(attribute, pikepdf.Dictionary) and "/Headers" in attribute:
                attribute.Headers = pikepdf.Array([pikepdf.String(f"{prefix}-{h}") for h in attribute.Headers])
    if len(ids.keys()):
        root.IDTree = ids.obj


def join(pdf, parts: list[tuple[object, int]]) -> None:
    """One structure tree for `pdf`, whose pages are the pages of `parts` ((part, first page) each,
    in reading order, copied with pdf.pages.extend before this is called)."""
    import pikepdf

    total = len(pdf.pages)
    tree_root = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot))
    document = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document,
                                                    P=tree_root, K=pikepdf.Array()))
    tree_root.K = pikepdf.Array([document])
    nums: list = []
    annotations: list = []
    role_map = pikepdf.Dictionary()
    ids = pikepdf.NameTree.new(pdf)
    next_link = total
    for part, first in parts:
        root = part.Root.get("/StructTreeRoot")
        if root is None:
            continue
        count = len(part.pages)
        for kid in _kids(root):  # WeasyPrint's /Document of the part becomes a /Part of the whole
            element = pdf.copy_foreign(kid)
            element.S = pikepdf.Name.Part
            element.P = document
            document.K.append(element)
        links = {}
        for key, value in sorted(_numbers(pdf.copy_foreign(root.ParentTree)).items()):
            if key < count:
                page = pdf.pages[first + key].obj
                page.StructParents = first + key
                nums.append((first + key, value))
            else:
                links[key] = next_link
                annotations.append((next_link, value))
                next_link += 1
        for page in pdf.pages[first:first + count]:
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation and int(annotation.StructParent) in links:
                    annotation.StructParent = links[int(annotation.StructParent)]
        for name, role in root.get("/RoleMap", {}).items():
            role_map[name] = role
        if "/IDTree" in root:
            for name, element in pikepdf.NameTree(root.IDTree).items():
                ids[name] = pdf.copy_foreign(element)
    flat = pikepdf.Array()
    for key, value in nums + annotations:
        flat.extend([key, value])
    tree_root.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=flat))
    tree_root.ParentTreeNextKey = next_link
    if len(role_map.keys()):
        tree_root.RoleMap = role_map
    if len(ids.keys()):
        tree_root.IDTree = ids.obj
    pdf.Root.StructTreeRoot = tree_root


def _xmp(title: str, lang: str, creator: str) -> bytes:
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
   <dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool={quoteattr(creator)}/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""
    return text.encode("utf-8")


def document_catalog(pdf, title: str, lang: str, creator: str) -> None:
    """What a tagged document declares about itself: marked, its language, its title shown by
    viewers instead of the file name, the same title and the PDF/UA part in the XMP metadata."""
    import pikepdf

    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String(lang)
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    pdf.docinfo["/Title"] = pikepdf.String(title)
    pdf.docinfo["/Creator"] = pikepdf.String(creator)
    pdf.Root.Metadata = pdf.make_stream(_xmp(title, lang, creator), Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)
