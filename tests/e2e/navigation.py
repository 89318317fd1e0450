"""Following the main navigation in a browser test, at any width: below 900 px its links are
behind the "Menu" button."""


def open_nav_link(page, name: str) -> None:
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
