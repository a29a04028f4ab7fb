"""Classroom mode, on the projector: how to join, and how the network reads the class's handwriting, live; behind
the teacher's key, moderation, fine-tuning on the class's drawings, and the class's data set."""

import html

import pandas as pd
import streamlit as st

from digitlab import catalog, charts, ui
from digitlab.classroom import export, joining, stats, store
from digitlab.config import CONFIDENT_THRESHOLD, STATE_LOOK_CLOSER
from digitlab.evaluate import confusion_frame
from digitlab.i18n import N_, _, a_digit, in_this_language, ngettext, number, percent
from digitlab.provenance import read_json
from digitlab.visualize import digit_data_url

# The projector's numbers are read again this often, without reloading the page.
LIVE_SECONDS = 3
STATE_CLEAR_SURE = "clear_class_sure"
STATE_CLEAR_ERROR = "_clear_error"
STATE_GALLERY_CLICKED = "_gallery_clicked"
GALLERY_LIMIT = 12
CLASS_TITLES = (N_("Asked to draw"), N_("The model read"))

ui.start_page(N_("Classroom"), N_("Classroom"), ":material/groups:")
engine = ui.classroom_engine()
is_teacher = ui.teacher_login()
url, only_here = ui.join_address()

join_column, live_column = st.columns([2, 3], gap="large")
with join_column:
    ui.show_join_code(url)
    address = f"<div class='join-box'><div class='join-address'>{html.escape(url)}</div></div>"
    st.markdown(address, unsafe_allow_html=True)
    st.caption(_("Scan the code with a phone's camera, or type the address, on this computer's network."))
    if only_here:
        addresses = ", ".join(joining.lan_addresses()) or _("none found: is this computer on a network?")
        st.warning(
            _(
                "**Phones cannot open this address: it only works on this computer.** Stop the app and start it "
                "with `streamlit run app.py --browser.serverAddress ADDRESS`, where ADDRESS is this computer's "
                "address on the classroom's network ({addresses}), or open this page at that address."
            ).format(addresses=addresses),
            icon=":material/wifi_off:",
        )


def class_titles() -> tuple[str, str]:
    """The class's confusion matrix's row and column titles, translated."""
    return _(CLASS_TITLES[0]), _(CLASS_TITLES[1])


def signed(points: float, decimals: int) -> str:
    """A change in percentage points with its sign first ("+3", "-0.25"), as st.metric reads a delta's direction."""
    return ("-" if points < 0 else "+") + number(abs(points), decimals)


def hardest_line(row: dict) -> str:
    """One of `stats.hardest_digits`, as a line of HTML: how often it was read right, and what it was read as."""
    details = {"digit": row["digit"], "accuracy": percent(row["accuracy"], 0), "drawn": row["drawn"]}
    if row["read_as"] is None:
        return ngettext(
            "<b>{digit}</b> {accuracy} read right of {drawn}", "<b>{digit}</b> {accuracy} read right of {drawn}",
            row["drawn"],
        ).format(**details)  # fmt: skip
    return ngettext(
        "<b>{digit}</b> {accuracy} read right of {drawn}, often read as {a_digit}",
        "<b>{digit}</b> {accuracy} read right of {drawn}, often read as {a_digit}",
        row["drawn"],
    ).format(**details, a_digit=a_digit(row["read_as"]))


def look_closer(drawing_id: int) -> None:
    """One class drawing enlarged, with what the model read and all ten probabilities; the teacher can hide it."""
    pictures = store.class_pictures(engine, [drawing_id])
    answers = store.class_answers(engine)
    row = answers[answers.id == drawing_id]
    if not len(pictures.ids) or row.empty:
        st.session_state[STATE_LOOK_CLOSER] = None
        return
    row, probabilities = row.iloc[0], pictures.probabilities[0]
    heading = _("Asked for {a_prompt}, read as {an_answer}")
    st.subheader(heading.format(a_prompt=a_digit(row.prompt), an_answer=a_digit(row.answer)))
    picture_column, chart_column = st.columns([1, 2])
    with picture_column:
        sure = _("{confidence} sure").format(confidence=percent(row.confidence, 0))
        ui.show_class_drawing(pictures.images[0], sure)
        if row.nickname:
            st.text(_("by {nickname}").format(nickname=row.nickname))  # as plain text: a nickname is never markup
    with chart_column:
        st.vega_lite_chart(
            charts.probability_chart(probabilities, height=180, probability_title=False), width="stretch"
        )
    buttons = st.columns(2)
    if is_teacher and buttons[0].button(_("Hide this drawing"), icon=":material/visibility_off:"):
        store.hide_drawing(engine, drawing_id)
        close_look()
        st.rerun()
    buttons[1].button(_("Close"), icon=":material/close:", on_click=close_look)


def close_look() -> None:
    st.session_state[STATE_LOOK_CLOSER] = None
    st.session_state.pop(STATE_GALLERY_CLICKED, None)  # the same drawing opens again when clicked again
    st.session_state["gallery_version"] = st.session_state.get("gallery_version", 0) + 1


def misread_gallery(answers: pd.DataFrame) -> None:
    """The latest drawings the model misread: a click enlarges one."""
    wrong = stats.misread(answers, GALLERY_LIMIT)
    st.subheader(_("Drawings the model misread"))
    if wrong.empty:
        st.info(_("The model has read every drawing right so far. Try to fool it!"), icon=":material/psychology_alt:")
        return
    pictures = store.class_pictures(engine, wrong.id)
    urls = dict(zip(pictures.ids, (digit_data_url(image) for image in pictures.images), strict=True))
    items = wrong.assign(
        picture=[urls.get(drawing_id, "") for drawing_id in wrong.id],
        label=[f"{row.prompt} → {row.answer}" for row in wrong.itertuples()],
    )
    key = f"gallery_{st.session_state.get('gallery_version', 0)}"
    event = st.altair_chart(charts.gallery_chart(items), on_select="rerun", key=key)
    points = (event or {}).get("selection", {}).get("drawing") or []
    if points and points[0].get("id") != st.session_state.get(STATE_GALLERY_CLICKED):
        st.session_state[STATE_GALLERY_CLICKED] = points[0]["id"]
        st.session_state[STATE_LOOK_CLOSER] = int(points[0]["id"])
    st.caption(_("Under each drawing: the digit asked for → what the model read. Click one to look closer."))


@st.fragment(run_every=LIVE_SECONDS)
def live_class() -> None:
    """The class's numbers, read again every few seconds."""
    try:
        counts = store.counts(engine)
        answers = store.class_answers(engine)
        files = ui.class_model(engine)[0]
    except store.StorageError as error:
        ui.storage_error(error)
        return
    summary = stats.class_summary(answers)
    with live_column:
        # Each as wide as its label and number, two to a row where four do not fit.
        numbers = st.container(horizontal=True, gap="medium")
        numbers.metric(_("Joined"), counts.joined, width="content")
        numbers.metric(_("Drew"), counts.drawers, width="content")
        hidden = ngettext("{n} hidden", "{n} hidden", counts.hidden).format(n=counts.hidden)
        numbers.metric(_("Drawings"), counts.drawings, help=hidden if counts.hidden else None, width="content")
        numbers.metric(
            _("Class accuracy"),
            percent(summary["accuracy"], 0) if summary else "–",
            help=_("Share of the class's drawings the model read as the digit that was asked for."),
            width="content",
        )
        st.caption(
            ngettext(
                "The class draws with **{model}**. Updated every {n} second.",
                "The class draws with **{model}**. Updated every {n} seconds.",
                LIVE_SECONDS,
            ).format(model=_(files.title), n=LIVE_SECONDS)
        )
        if summary is None:
            st.info(_("No drawings yet: as students send theirs, the results appear here."), icon=":material/draw:")
            return
        hardest = stats.hardest_digits(summary)
        st.subheader(_("Hardest digits for the model"))
        if hardest:
            lines = [hardest_line(row) for row in hardest]
            st.markdown(f"<div class='hardest'>{'<br>'.join(lines)}</div>", unsafe_allow_html=True)
        else:
            minimum = stats.HARDEST_MINIMUM
            if not any(stats.is_drawn_enough(row) for row in summary["per_class"]):
                text = ngettext(
                    "None yet: a digit is ranked here once the class has drawn it {n} time.",
                    "None yet: a digit is ranked here once the class has drawn it {n} times.",
                    minimum,
                )
            else:
                text = ngettext(
                    "None: every digit drawn at least {n} time was read right.",
                    "None: every digit drawn at least {n} times was read right.",
                    minimum,
                )
            st.caption(text.format(n=minimum))
    matrix_column, gallery_column = st.columns([2, 3], gap="large")
    with matrix_column:
        st.subheader(_("The class's confusion matrix"))
        frame = confusion_frame(summary["confusion_matrix"])
        st.altair_chart(charts.confusion_chart(frame, titles=class_titles(), height=420), width="stretch")
        st.caption(_("Rows: the digit asked for; columns: what the model read. Blue: read right; red: misread."))
    with gallery_column:
        if st.session_state.get(STATE_LOOK_CLOSER) is not None:
            look_closer(st.session_state[STATE_LOOK_CLOSER])
        else:
            misread_gallery(answers)


live_class()

if not is_teacher:
    st.caption(
        _("The teacher's buttons (moderation, fine-tuning, export) unlock with the teacher's key in the sidebar.")
    )
    st.stop()

st.divider()
st.header(_("Teach the model our handwriting"))
st.caption(
    _(
        "Fine-tunes the bundled model on the class's drawings, replaying MNIST digits beside them so it does not "
        "forget the ones it knew, in the background (about half a minute). One drawing in four is held back: the model "
        "never learns from those, so they show honestly whether it now reads the class better."
    )
)


def start_fine_tuning() -> None:
    from digitlab.training.classroom import ClassSplit

    try:
        pictures = store.class_pictures(engine)
    except store.StorageError as error:
        st.session_state["_tuning_error"] = str(error)
        return
    dataset = export.class_dataset(pictures)
    held_back = tuple(int(i) for i in export.held_back_ids(pictures))
    split = ClassSplit(dataset["x_train"], dataset["y_train"].astype(int), dataset["x_test"],
                       dataset["y_test"].astype(int), held_back)  # fmt: skip
    try:
        split.check()
    except ValueError as error:
        st.session_state["_tuning_error"] = str(error)
        return
    parent, output = catalog.model_files(catalog.BUNDLED).model, catalog.model_files(catalog.CLASS).model
    ui.get_fine_tune_job().start(parent, split, output)  # False when another teacher's is running: shown alike
    st.session_state["_tuning_started"] = True


def use_model(name: str) -> None:
    store.set_setting(engine, ui.CLASS_MODEL_SETTING, name)


def discard_model() -> None:
    use_model(catalog.BUNDLED)
    files = catalog.model_files(catalog.CLASS)
    for path in (files.model, files.metadata, files.evaluation, files.evaluation_summary):
        path.unlink(missing_ok=True)


def fine_tuning() -> None:
    """The fine-tuning button, its progress, and the fine-tuned model's results with the teacher's choice."""
    job = ui.get_fine_tune_job()
    if st.session_state.pop("_tuning_started", False):
        # The button reran only this fragment, which keeps the refresh of the page's last full run: none. A full
        # run gives it its one-second refresh, so the progress moves.
        st.rerun()
    if job.is_running:
        st.session_state["_tuning_seen"] = True
        st.progress(job.progress, text=str(job.message))
        return
    if st.session_state.pop("_tuning_seen", False):
        st.rerun()  # done: the page drops its progress polling
    if error := job.error or st.session_state.pop("_tuning_error", None):
        st.error(str(error), icon=":material/error:")
    st.button(_("Teach the model our handwriting"), type="primary", icon=":material/model_training:",
              on_click=start_fine_tuning)  # fmt: skip
    files = catalog.model_files(catalog.CLASS)
    metadata = read_json(files.metadata) if files.is_available() else {}
    if "class" in metadata:
        show_fine_tuned(metadata)


def show_fine_tuned(metadata: dict) -> None:
    """Before and after on the held-back drawings, and the switch to the fine-tuned model or back."""
    result = metadata["class"]
    before, after = result["before"], result["after"]
    st.subheader(_("Before and after, on the class's drawings the model never learned from"))
    held, mnist, seconds = st.columns(3)
    gain = 100 * (after["accuracy"] - before["accuracy"])
    gain_points = ngettext("{change} point (was {before})", "{change} points (was {before})", round(abs(gain)))
    held.metric(
        _("Held-back drawings ({count})").format(count=result["held_back"]),
        percent(after["accuracy"], 0),
        gain_points.format(change=signed(gain, 0), before=percent(before["accuracy"], 0)),
    )
    kept = 100 * (metadata["test_accuracy"] - metadata["parent_test_accuracy"])
    mnist.metric(
        _("MNIST test accuracy"),
        percent(metadata["test_accuracy"], 2),
        _("{change} points").format(change=signed(kept, 2)),
        delta_color="off",
    )
    seconds.metric(
        _("Fine-tuning"),
        _("{seconds} s").format(seconds=round(metadata["training_seconds"])),
        _("on {drawings} drawings + {replay} MNIST digits").format(
            drawings=result["training_drawings"], replay=result["replay"]
        ),
        delta_color="off",
    )
    before_column, after_column = st.columns(2)
    headings = (_("**Before** ({accuracy} right)"), _("**After** ({accuracy} right)"))
    for column, heading, summary in zip((before_column, after_column), headings, (before, after), strict=True):
        with column:
            st.markdown(heading.format(accuracy=percent(summary["accuracy"], 0)))
            frame = confusion_frame(summary["confusion_matrix"])
            st.altair_chart(charts.confusion_chart(frame, titles=class_titles(), height=320), width="stretch")
    now_right = result.get("now_right_ids") or []
    pictures = store.class_pictures(engine, now_right) if now_right else None
    if pictures is not None and len(pictures.ids):
        st.markdown(_("**Drawings it now reads right** ({count})").format(count=len(pictures.ids)))
        columns = st.columns(8)
        for index, (image, prompt) in enumerate(zip(pictures.images, pictures.prompts, strict=True)):
            with columns[index % 8]:
                ui.show_class_drawing(image, a_digit(prompt), width=84)
    in_use = store.setting(engine, ui.CLASS_MODEL_SETTING, catalog.BUNDLED) == catalog.CLASS
    use, back, discard = st.columns(3)
    if in_use:
        use.success(_("The class now draws with the fine-tuned model."), icon=":material/check:")
        back.button(_("Back to the bundled model"), on_click=use_model, args=(catalog.BUNDLED,))
    else:
        use.button(_("Switch the class to it"), type="primary", icon=":material/swap_horiz:", on_click=use_model,
                   args=(catalog.CLASS,), help=_("Students' next drawings are read by it; the sidebar's model "
                   "selector on the other pages lists it too."))  # fmt: skip
    discard.button(_("Discard it"), icon=":material/delete:", on_click=discard_model)


st.fragment(fine_tuning, run_every=1 if ui.get_fine_tune_job().is_running else None)()


def class_npz() -> bytes:
    return export.dataset_npz(store.class_pictures(engine))


def class_csv() -> bytes:
    return export.answers_csv(store.class_answers(engine))


@st.fragment(run_every=LIVE_SECONDS)
def clear_confirmation() -> None:
    """The button that clears the class, behind a box naming what it deletes: the count read again every few
    seconds, as the class goes on drawing."""
    try:
        counts = store.counts(engine)
    except store.StorageError as error:
        ui.storage_error(error)
        return
    every = counts.drawings + counts.hidden
    sure = ngettext(
        "Yes, delete the {n} drawing and the nicknames", "Yes, delete all {n} drawings and nicknames", every
    )
    # Keyed: the count in its label changes as the class draws, and a ticked box must stay ticked.
    ticked = st.checkbox(sure.format(n=every), key=STATE_CLEAR_SURE)
    cleared = st.button(_("Clear the class"), icon=":material/delete_forever:", disabled=not ticked, on_click=clear)
    if error := st.session_state.get(STATE_CLEAR_ERROR):
        ui.storage_error(error)  # until the teacher tries again
    elif cleared:
        st.rerun()  # the whole page: the class's numbers and its gallery are gone too


def clear() -> None:
    st.session_state[STATE_CLEAR_ERROR] = None
    try:
        store.clear_class(engine)
    except store.StorageError as error:
        st.session_state[STATE_CLEAR_ERROR] = error
        return
    st.session_state[STATE_CLEAR_SURE] = False  # the next class is not cleared by one more click


st.divider()
st.header(_("The class's drawings"))
# Each as wide as its text, on as many rows as the screen needs: in three columns a laptop cut them short. A label
# wider than a phone wraps (in a row Streamlit would cut it short). The files are made when clicked, so they hold
# every drawing sent until then. A click does not rerun the page: a rerun replaces the file's maker, and on a server
# busy with a class the click's request for the file could arrive after the old maker had been let go, and no file
# would come. The page's own reruns still replace it (the one when a fine-tuning ends, a teacher's click elsewhere):
# a download clicked at that very moment must be clicked again.
row = st.container(key="class_files", horizontal=True, gap="medium")
row.download_button(
    _("Download the drawings (.npz)"),
    in_this_language(class_npz),
    file_name="digitlab-class.npz",
    on_click="ignore",
    wrap=True,
    icon=":material/download:",
    help=_(
        "MNIST format: the 28×28 images as the model read them and the digits asked for; the held-back drawings "
        "are the test split. Train on it with `python train.py --fine-tune --extra digitlab-class.npz`."
    ),
)
row.download_button(
    _("Download what was asked and answered (.csv)"),
    in_this_language(class_csv),
    file_name="digitlab-class.csv",
    mime="text/csv",
    on_click="ignore",
    wrap=True,
    icon=":material/table:",
)
with row.container(width="content"):
    clear_confirmation()
st.caption(
    _(
        "Hidden drawings are left out of everything above. Drawings below {threshold} confidence count as the digit "
        "the model thought most likely."
    ).format(threshold=percent(CONFIDENT_THRESHOLD, 0))
)
