"""Listed names whose trade name runs into digits: some two hundred keys each, most shared."""

from registry.screening.matching.records import ListedName


def numbered_names(count: int) -> list[ListedName]:
    """`count` such names, N1 to N<count>, all in Fuzhou."""
    return [
        ListedName(
            f"N{number}",
            "legal_person",
            f"基准测试科技有限公司{number:07d}",
            latin=f"Jizhun Ceshi Keji Youxian Gongsi {number:07d}",
            region="350100",
        )
        for number in range(1, count + 1)
    ]
