from wagtail import hooks

from .richtext import CONTENTSTATE_RULES, LinkOnlyEmbedHandler, ReaderImageEmbedHandler, ReaderPageLinkHandler


# Registered after Wagtail's own handlers (order), so ours replace them.
@hooks.register("register_rich_text_features", order=100)
def reader_rich_text_handlers(features):
    features.register_link_type(ReaderPageLinkHandler)
    features.register_embed_type(ReaderImageEmbedHandler)
    features.register_embed_type(LinkOnlyEmbedHandler)
    for feature, rule in CONTENTSTATE_RULES.items():
        features.register_converter_rule("contentstate", feature, rule)
